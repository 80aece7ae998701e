"""`zaadje ingest`: a partner file → signals, households and prioritised cases.

Rows are validated one by one and written in batches, each batch in its own transaction: a
crash loses at most the batch in flight, and re-running the file turns every row already
taken in into a duplicate. Per batch the work is a fixed handful of queries, whatever the
batch size, so the Python-side validation is what sets the pace.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from clock import Calendar
from signals import pgbulk
from signals.batching import Batch
from signals.patterns import MEERVOUDIG, Decision, Known, decide, months_back
from signals.prefetch import batches_of, check_readable
from signals.priority import CaseSignal, first_contact_deadline, score
from signals.validate import ParsedSignal
from store.models import Case, Household, IngestIssue, IngestRun, Signal, table_of
from store.queries import member_of

SUPPORTED_LOCALES = ("nl", "en", "tr", "ar", "pl", "uk")
CHUNK = 2000  # keys per IN (...) list: well under SQLite's and asyncpg's parameter limits
# PostgreSQL: statistics are refreshed after the first batch and then every this many batches.
ANALYZE_EVERY = 20

households_t = table_of(Household)
signals_t = table_of(Signal)
cases_t = table_of(Case)
issues_t = table_of(IngestIssue)
runs_t = table_of(IngestRun)


@dataclass
class IntakeSettings:
    minimum_cents: int
    lookback_months: int
    batch_size: int
    priority_rules: dict[str, Any]
    deadline_rules: dict[str, Any]
    calendar: Calendar

    @classmethod
    def from_config(cls, config: dict[str, Any], calendar: Calendar) -> IntakeSettings:
        intake = config["intake"]
        return cls(
            minimum_cents=round(float(intake["minimum_amount_eur"]) * 100),
            lookback_months=int(intake["lookback_months"]),
            batch_size=int(intake["batch_size"]),
            priority_rules=config["priority"],
            deadline_rules=config["deadlines"],
            calendar=calendar,
        )


@dataclass
class Summary:
    received: int = 0
    accepted: int = 0
    accepted_with_warning: int = 0
    rejected: int = 0
    duplicates: int = 0
    suppressed: int = 0
    households: int = 0
    cases_opened: int = 0
    cases_updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    _households: set[int] = field(default_factory=set, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "accepted_with_warning": self.accepted_with_warning,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "suppressed": self.suppressed,
            "households": len(self._households),
            "cases_opened": self.cases_opened,
            "cases_updated": self.cases_updated,
            "errors": self.errors,
            "warnings": self.warnings,
        }


# Errors and warnings kept in the printed summary; all of them are stored in ingest_issues.
SUMMARY_ISSUE_LIMIT = 1000


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def ingest_file(
    engine: AsyncEngine,
    path: Path,
    fmt: str | None,
    now: datetime,
    settings: IntakeSettings,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    summary = Summary()
    today = settings.calendar.local_date(now)
    # Read the first row before anything is written: an unreadable file changes nothing.
    check_readable(path, fmt)
    async with engine.begin() as conn:
        run_id = (
            await conn.execute(
                insert(runs_t).returning(runs_t.c.id), {"source_name": path.name, "started_at": now}
            )
        ).scalar_one()

    async with batches_of(path, fmt, today, settings.batch_size) as batches:
        if engine.dialect.name == "postgresql":
            await _ingest_pipelined(engine, batches, run_id, now, settings, summary, progress)
        else:
            number = 0
            async for batch in batches:
                _take_issues(summary, batch)
                number += 1
                analyze = number == 2 or (number > 2 and number % ANALYZE_EVERY == 0)
                await _flush(engine, batch, run_id, now, settings, summary, analyze)
                if progress:
                    progress(len(batch))
    result = summary.as_dict()
    async with engine.begin() as conn:
        stored = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
        await conn.execute(
            update(runs_t).where(runs_t.c.id == run_id).values(finished_at=now, summary=stored)
        )
    return result


def _take_issues(summary: Summary, batch: Batch) -> None:
    """Rows read and rejected count as soon as they are read, as they always did."""
    summary.received += batch.received
    summary.rejected += batch.rejected
    for issue in batch.issues:
        kept = summary.errors if issue["severity"] == "error" else summary.warnings
        if len(kept) < SUMMARY_ISSUE_LIMIT:
            kept.append(
                {"line": issue["line"], "field": issue["field"], "message": issue["message"]}
            )


async def _flush(
    engine: AsyncEngine,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
    analyze: bool = False,
) -> None:
    if not batch.signals and not batch.issues:
        return
    async with engine.begin() as conn:
        if analyze and conn.dialect.name == "postgresql":
            # Nothing else keeps the planner's statistics current on a server without
            # autovacuum (as CI's is): a table it last saw empty, or never saw, gets sequential
            # and bitmap scans where the unique and household indexes are meant to be used,
            # and every batch then costs more than the one before.
            await pgbulk.analyze(await pgbulk.driver(conn))
        counts = await _store_batch(conn, batch, run_id, now, settings, summary)
        if batch.issues:
            for part in _chunks(batch.issues, 500):
                await conn.execute(
                    insert(issues_t), [dict(item, ingest_run_id=run_id) for item in part]
                )
    # Counted only after the commit, so the summary never claims what was rolled back.
    summary.accepted += counts["accepted"]
    summary.accepted_with_warning += counts["accepted_with_warning"]
    summary.duplicates += counts["duplicates"]
    summary.suppressed += counts["suppressed"]
    summary.cases_opened += counts["cases_opened"]
    summary.cases_updated += counts["cases_updated"]
    summary._households.update(counts["households"])


async def _existing_keys(
    conn: AsyncConnection, signals: list[ParsedSignal]
) -> set[tuple[str, str]]:
    """Keys already stored, asked per partner type so the (type, id) unique index is used."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for s in signals:
        by_type[s.partner_type].add(s.partner_signal_id)
    found: set[tuple[str, str]] = set()
    if conn.dialect.name == "postgresql":
        pg = await pgbulk.driver(conn)
        for partner_type, ids in by_type.items():
            for signal_id in await pgbulk.existing_ids(pg, partner_type, sorted(ids)):
                found.add((partner_type, signal_id))
        return found
    query = select(signals_t.c.partner_signal_id).where(
        signals_t.c.partner_type == bindparam("ptype"),
        member_of(signals_t.c.partner_signal_id, "ids", conn),
    )
    for partner_type, ids in by_type.items():
        for part in _chunks(sorted(ids)):
            rows = await conn.execute(query, {"ptype": partner_type, "ids": part})
            found.update((partner_type, signal_id) for (signal_id,) in rows)
    return found


async def _household_ids(
    conn: AsyncConnection, signals: list[ParsedSignal], now: datetime
) -> dict[str, int]:
    wanted = {s.address_key: s for s in signals}
    keys = sorted(wanted)
    if conn.dialect.name == "postgresql":
        pg = await pgbulk.driver(conn)
        ids = dict(await pgbulk.household_ids(pg, keys))
        missing = [k for k in keys if k not in ids]
        if missing:
            new = [
                (k, wanted[k].postcode, wanted[k].huisnummer, wanted[k].toevoeging) for k in missing
            ]
            await pgbulk.insert_households(pg, new, now)
            ids.update(await pgbulk.household_ids(pg, missing))
        return ids
    ids = {}
    query = select(households_t.c.address_key, households_t.c.id).where(
        member_of(households_t.c.address_key, "keys", conn)
    )
    for part in _chunks(keys):
        ids.update((k, i) for k, i in await conn.execute(query, {"keys": part}))
    missing = [k for k in keys if k not in ids]
    if missing:
        stmt = sqlite.insert(households_t).on_conflict_do_nothing(index_elements=["address_key"])
        await conn.execute(
            stmt,
            [
                {
                    "address_key": k,
                    "postcode": wanted[k].postcode,
                    "huisnummer": wanted[k].huisnummer,
                    "toevoeging": wanted[k].toevoeging,
                    "created_at": now,
                }
                for k in missing
            ],
        )
        for part in _chunks(missing):
            ids.update((k, i) for k, i in await conn.execute(query, {"keys": part}))
    return ids


async def _history(
    conn: AsyncConnection, household_ids: list[int], since: date
) -> dict[int, list[Known]]:
    history: dict[int, list[Known]] = defaultdict(list)
    if conn.dialect.name == "postgresql":
        pg = await pgbulk.driver(conn)
        rows: Iterable[Any] = await pgbulk.history(pg, household_ids, since)
    else:
        query = (
            select(
                signals_t.c.id,
                signals_t.c.household_id,
                signals_t.c.partner_type,
                signals_t.c.partner_name,
                signals_t.c.signal_date,
                signals_t.c.amount_cents,
                signals_t.c.pattern,
            )
            .where(
                member_of(signals_t.c.household_id, "hh", conn),
                signals_t.c.signal_date >= since,
            )
            .order_by(signals_t.c.id)  # insertion order, as pgbulk.HISTORY_SQL
        )
        rows = [
            row
            for part in _chunks(household_ids)
            for row in await conn.execute(query, {"hh": part})
        ]
    for ref, hh, ptype, pname, sdate, amount, pattern in rows:
        history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))
    return history


# The signals columns written at intake, in the order of the tuples `_signal_row` makes.
SIGNAL_COLUMNS = (
    "partner_type",
    "partner_signal_id",
    "partner_name",
    "amount_cents",
    "signal_date",
    "origin_date",
    "crisis",
    "warm_handover",
    "contract_end_date",
    "bsn",
    "initials",
    "prefix",
    "surname",
    "birth_date",
    "street",
    "huisnummer",
    "toevoeging",
    "postcode",
    "city",
    "phone",
    "email",
    "language",
    "household_id",
    "case_id",
    "pattern",
    "suppressed_reason",
    "status",
    "grew",
    "ingest_run_id",
    "source_line",
    "received_at",
)


async def _store_batch(
    conn: AsyncConnection,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "accepted": 0,
        "accepted_with_warning": 0,
        "duplicates": 0,
        "suppressed": 0,
        "cases_opened": 0,
        "cases_updated": 0,
        "households": set(),
    }
    if not batch.signals:
        return counts
    existing = await _existing_keys(conn, batch.signals)
    fresh: list[ParsedSignal] = []
    for s in batch.signals:
        key = (s.partner_type, s.partner_signal_id)
        if key in existing:
            counts["duplicates"] += 1
        else:
            existing.add(key)  # a second row with the same id in this file is a duplicate too
            fresh.append(s)
    if not fresh:
        return counts

    hh_ids = await _household_ids(conn, fresh, now)
    since = months_back(min(s.signal_date for s in fresh), settings.lookback_months)
    history = await _history(conn, sorted(set(hh_ids.values())), since)

    decisions: list[tuple[ParsedSignal, int, Decision, Known]] = []
    retro: set[int] = set()
    lookback, minimum = settings.lookback_months, settings.minimum_cents
    for s in sorted(fresh, key=lambda s: (s.signal_date, s.line)):
        hh = hh_ids[s.address_key]
        partner = (s.partner_type, s.partner_name or "")
        known = history[hh]
        decision = decide(known, partner, s.signal_date, s.amount_cents, minimum, lookback)
        retro.update(decision.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, decision.pattern)
        known.append(mine)  # a later signal in this batch may still make it meervoudig
        decisions.append((s, hh, decision, mine))
    counts["households"].update(hh for _, hh, _, _ in decisions)

    case_for, opened_now = await _assign_cases(conn, decisions, now, settings, counts)

    rows = []
    warned = batch.warned_lines
    for s, hh, d, mine in decisions:
        _count(s, d, warned, counts)
        rows.append(_signal_record(s, hh, d, mine, case_for.get(hh), run_id, now))
    await _insert_signals(conn, rows)
    if retro:
        await _mark_meervoudig(conn, sorted(retro))
    # Cases opened in this batch were scored as they were inserted: all their signals are here.
    await _rescore(conn, sorted(set(case_for.values()) - opened_now), now, settings)
    return counts


def _count(s: ParsedSignal, d: Decision, warned: set[int], counts: dict[str, Any]) -> None:
    if d.suppressed_reason:
        counts["suppressed"] += 1
    else:
        counts["accepted"] += 1
        if s.line in warned:
            counts["accepted_with_warning"] += 1


def _signal_record(
    s: ParsedSignal,
    hh: int,
    d: Decision,
    mine: Known,
    case_id: int | None,
    run_id: int,
    now: datetime,
) -> tuple[Any, ...]:
    """One signal as a row of SIGNAL_COLUMNS (COPY or executemany), without its id."""
    return (
        s.partner_type,
        s.partner_signal_id,
        s.partner_name,
        s.amount_cents,
        s.signal_date,
        s.origin_date,
        s.crisis,
        s.warm_handover,
        s.contract_end_date,
        s.bsn,
        s.initials,
        s.prefix,
        s.surname,
        s.birth_date,
        s.street,
        s.huisnummer,
        s.toevoeging,
        s.postcode,
        s.city,
        s.phone,
        s.email,
        s.language,
        hh,
        None if d.suppressed_reason else case_id,
        mine.pattern,
        d.suppressed_reason,
        "Nog niet opgepakt",
        d.grew,
        run_id,
        s.line,
        now,
    )


async def _insert_signals(conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.name == "postgresql":
        # COPY is an order of magnitude faster than INSERT for a batch (RECIPES: ~330k rows/s).
        await pgbulk.copy_rows(await pgbulk.driver(conn), "signals", SIGNAL_COLUMNS, rows)
        return
    await conn.execute(insert(signals_t), [dict(zip(SIGNAL_COLUMNS, r, strict=True)) for r in rows])


async def _mark_meervoudig(conn: AsyncConnection, signal_ids: list[int]) -> None:
    """Stored signals that a signal in this batch made meervoudig."""
    if conn.dialect.name == "postgresql":
        await pgbulk.mark_meervoudig(await pgbulk.driver(conn), signal_ids)
        return
    for part in _chunks(signal_ids):
        await conn.execute(
            update(signals_t)
            .where(member_of(signals_t.c.id, "ids", conn))
            .values(pattern="meervoudig"),
            {"ids": part},
        )


def _case_signal(s: ParsedSignal, d: Decision, mine: Known) -> CaseSignal:
    return CaseSignal(
        s.partner_type,
        s.partner_name or "",
        s.amount_cents,
        s.signal_date,
        s.crisis,
        s.warm_handover,
        s.contract_end_date,
        d.grew,
        mine.pattern,
    )


CASE_COLUMNS = (
    "id",
    "household_id",
    "state",
    "priority",
    "reasons",
    "locale",
    "deadline",
    "crisis",
    "opened_at",
    "version",
)


async def _assign_cases(
    conn: AsyncConnection,
    decisions: list[tuple[ParsedSignal, int, Decision, Known]],
    now: datetime,
    settings: IntakeSettings,
    counts: dict[str, Any],
) -> tuple[dict[int, int], set[int]]:
    """Household → its open case, opening one where a signal that counts has none.

    Returns the mapping and the ids of the cases opened now. A new case's signals are all in
    this batch, so it is scored here and inserted complete (no second write to score it).
    """
    wanting = sorted({hh for _, hh, d, _ in decisions if not d.suppressed_reason})
    case_for: dict[int, int] = {}
    pg = await pgbulk.driver(conn) if conn.dialect.name == "postgresql" else None
    if pg is not None:
        case_for.update(await pgbulk.open_cases(pg, wanting))
    else:
        query = select(cases_t.c.household_id, cases_t.c.id).where(
            member_of(cases_t.c.household_id, "hh", conn), cases_t.c.state == "open"
        )
        for part in _chunks(wanting):
            case_for.update((hh, cid) for hh, cid in await conn.execute(query, {"hh": part}))
    new = [hh for hh in wanting if hh not in case_for]
    if new:
        reopened = await _reopen_recent(conn, new, now, settings)
        case_for.update(reopened)
        new = [hh for hh in new if hh not in reopened]
    counts["cases_updated"] += len(case_for)
    if not new:
        return case_for, set()
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    locale_of: dict[int, str] = {}
    for s, hh, d, mine in decisions:
        if d.suppressed_reason or hh in case_for:
            continue
        members[hh].append(_case_signal(s, d, mine))  # in insertion order, as a query reads them
        if s.language in SUPPORTED_LOCALES and hh not in locale_of:
            locale_of[hh] = s.language  # type: ignore[assignment]
    today = settings.calendar.local_date(now)
    values = []
    for hh in new:
        scored = _scored(members[hh], today, today, settings)
        values.append(
            {
                "household_id": hh,
                "state": "open",
                "priority": scored["priority"],
                "reasons": scored["reasons"],
                "locale": locale_of.get(hh, "nl"),
                "deadline": scored["deadline"],
                "crisis": scored["crisis"],
                "opened_at": now,
                "version": 1,
            }
        )
    if pg is not None:
        ids = await pgbulk.next_case_ids(pg, len(new))
        for cid, v in zip(ids, values, strict=True):
            v["id"] = cid
            v["reasons"] = json.dumps(v["reasons"])  # as SQLAlchemy's JSON type stores it
            case_for[v["household_id"]] = cid
        records = [tuple(v[c] for c in CASE_COLUMNS) for v in values]
        await pgbulk.copy_rows(pg, "cases", CASE_COLUMNS, records)
        opened_now = set(ids)
    else:
        # Rows come back in any order; each names its household, so none is needed.
        stmt = insert(cases_t).returning(cases_t.c.id, cases_t.c.household_id)
        opened_now = set()
        for cid, hh in await conn.execute(stmt, values):
            case_for[hh] = cid
            opened_now.add(cid)
    counts["cases_opened"] += len(new)
    return case_for, opened_now


async def _reopen_recent(
    conn: AsyncConnection, households: list[int], now: datetime, settings: IntakeSettings
) -> dict[int, int]:
    """A new signal for a case closed within the look-back window re-opens that case.

    The case is marked open with news; the flow engine hears of it as `NewSignal` and decides
    how to go on (e.g. one gentle message to a resident who said "no thanks" before).
    """
    since = settings.calendar.at(
        months_back(settings.calendar.local_date(now), settings.lookback_months), time(0, 0)
    )
    latest: dict[int, int] = {}
    query = (
        select(cases_t.c.household_id, cases_t.c.id)
        .where(
            member_of(cases_t.c.household_id, "hh", conn),
            cases_t.c.state == "closed",
            cases_t.c.closed_at >= since,
        )
        .order_by(cases_t.c.closed_at)
    )
    for part in _chunks(households):
        for hh, cid in await conn.execute(query, {"hh": part}):
            latest[hh] = cid  # ordered by closing time: the last one wins
    if latest:
        await conn.execute(
            update(cases_t)
            .where(member_of(cases_t.c.id, "ids", conn))
            .values(state="open", signal_news=True),
            {"ids": sorted(latest.values())},
        )
    return latest


def _scored(
    signals: list[CaseSignal], opened: date, today: date, settings: IntakeSettings
) -> dict[str, Any]:
    calendar = settings.calendar
    result = score(signals, opened, today, settings.priority_rules, calendar)
    return {
        "priority": result.priority,
        "reasons": result.reasons,
        "deadline": first_contact_deadline(signals, opened, settings.deadline_rules, calendar),
        "crisis": any(s.crisis for s in signals),
    }


async def _rescore(
    conn: AsyncConnection, case_ids: list[int], now: datetime, settings: IntakeSettings
) -> None:
    """Recompute priority, reasons, deadline and crisis flag of the given open cases."""
    if not case_ids:
        return
    calendar = settings.calendar
    today = calendar.local_date(now)
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    opened: dict[int, date] = {}
    pg = await pgbulk.driver(conn) if conn.dialect.name == "postgresql" else None
    if pg is not None:
        signal_rows: list[Any] = await pgbulk.case_signals(pg, case_ids)
        opened_rows: list[Any] = await pgbulk.case_opened(pg, case_ids)
    else:
        sig_query = (
            select(
                signals_t.c.case_id,
                signals_t.c.partner_type,
                signals_t.c.partner_name,
                signals_t.c.amount_cents,
                signals_t.c.signal_date,
                signals_t.c.crisis,
                signals_t.c.warm_handover,
                signals_t.c.contract_end_date,
                signals_t.c.grew,
                signals_t.c.pattern,
            )
            .where(
                member_of(signals_t.c.case_id, "ids", conn),
                signals_t.c.suppressed_reason.is_(None),
            )
            .order_by(signals_t.c.id)
        )
        case_query = select(cases_t.c.id, cases_t.c.opened_at).where(
            member_of(cases_t.c.id, "ids", conn)
        )
        signal_rows, opened_rows = [], []
        for part in _chunks(case_ids):
            signal_rows.extend(await conn.execute(sig_query, {"ids": part}))
            opened_rows.extend(await conn.execute(case_query, {"ids": part}))
    for row in signal_rows:
        members[row[0]].append(
            CaseSignal(row[1], row[2] or "", row[3], row[4], row[5], row[6], row[7], row[8], row[9])
        )
    for cid, opened_at in opened_rows:
        opened[cid] = calendar.local_date(opened_at)
    updates = []
    for cid in case_ids:
        signals = members.get(cid)
        if not signals:
            continue
        updates.append({"cid": cid, **_scored(signals, opened[cid], today, settings)})
    if not updates:
        return
    if pg is not None:
        await pgbulk.update_scores(pg, updates)
        return
    await conn.execute(
        update(cases_t)
        .where(cases_t.c.id == bindparam("cid"))
        .values(
            priority=bindparam("priority"),
            reasons=bindparam("reasons"),
            deadline=bindparam("deadline"),
            crisis=bindparam("crisis"),
            # A case already in outreach hears of the new signal (scheduler/news.py).
            signal_news=or_(cases_t.c.signal_news, cases_t.c.stage != "new"),
        ),
        updates,
    )


# --- PostgreSQL: batch n's writes overlap batch n+1's lookups and decisions -------------------
#
# Each batch still commits in its own transaction, in file order: batch n+1 runs on the other of
# two connections and commits only after batch n has. While batch n's COPY, UPDATEs and commit
# are in flight, batch n+1 reads (on its own connection) what was committed up to batch n-1 and
# adds what batch n wrote from an in-memory overlay: the keys it took, the household ids it
# used, its signals (with the ids it gave them) and the open case of every household it touched.


@dataclass
class _Overlay:
    """What a batch wrote that the next batch's connection cannot see before it commits."""

    keys: set[tuple[str, str]]
    hh_ids: dict[str, int]
    history: dict[int, list[Known]]
    case_for: dict[int, int]
    # Its signals that count for a case, in id order: (id, case id, as scoring sees it).
    case_signals: list[tuple[int, int, CaseSignal]]
    marked: set[int]  # stored signals it made meervoudig
    opened: set[int]  # cases it opened


@dataclass
class _Prepared:
    batch: Batch
    counts: dict[str, Any]
    case_records: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    retro: list[int] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    overlay: _Overlay | None = None


def _new_counts() -> dict[str, Any]:
    return {
        "accepted": 0,
        "accepted_with_warning": 0,
        "duplicates": 0,
        "suppressed": 0,
        "cases_opened": 0,
        "cases_updated": 0,
        "households": set(),
    }


PG_SIGNAL_COLUMNS = ("id", *SIGNAL_COLUMNS)


async def _ingest_pipelined(
    engine: AsyncEngine,
    batches: AsyncIterator[Batch],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    async with AsyncExitStack() as stack:
        conns = [
            await stack.enter_async_context(engine.connect()),
            await stack.enter_async_context(engine.connect()),
        ]
        pending: asyncio.Task[None] | None = None
        overlay: _Overlay | None = None
        number = 0
        turn = 0
        try:
            async for batch in batches:
                _take_issues(summary, batch)
                number += 1
                if not batch.signals and not batch.issues:
                    if pending is not None:
                        await pending
                        pending = None
                    overlay = None
                    if progress:
                        progress(len(batch))
                    continue
                analyze = number == 2 or (number > 2 and number % ANALYZE_EVERY == 0)
                if analyze and pending is not None:
                    # The statistics are to include the batch before, as they always did.
                    await pending
                    pending, overlay = None, None
                conn = conns[turn % 2]
                turn += 1
                trans = await conn.begin()
                try:
                    pg = await pgbulk.driver(conn)
                    if analyze:
                        await pgbulk.analyze(pg)
                    prepared = await _prepare_pg(conn, pg, batch, run_id, now, settings, overlay)
                    if pending is not None:
                        await pending  # batch n commits before batch n+1 writes anything more
                        pending = None
                except BaseException:
                    await trans.rollback()
                    raise
                overlay = prepared.overlay
                pending = asyncio.create_task(
                    _write_pg(conn, trans, pg, prepared, run_id, now, settings, summary, progress)
                )
            if pending is not None:
                await pending
                pending = None
        finally:
            if pending is not None:
                # Storing failed further on: let the batch in flight commit or fail as it would.
                with suppress(Exception):
                    await pending


async def _prepare_pg(
    conn: AsyncConnection,
    pg: Any,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    prev: _Overlay | None,
) -> _Prepared:
    """Lookups and decisions of a batch; the only writes are new households and reopenings."""
    counts = _new_counts()
    prepared = _Prepared(batch, counts)
    if not batch.signals:
        return prepared
    by_type: dict[str, set[str]] = defaultdict(set)
    for s in batch.signals:
        by_type[s.partner_type].add(s.partner_signal_id)
    existing: set[tuple[str, str]] = set()
    for partner_type, ids in by_type.items():
        for signal_id in await pgbulk.existing_ids(pg, partner_type, sorted(ids)):
            existing.add((partner_type, signal_id))
    if prev is not None:
        existing |= prev.keys
    fresh: list[ParsedSignal] = []
    for s in batch.signals:
        key = (s.partner_type, s.partner_signal_id)
        if key in existing:
            counts["duplicates"] += 1
        else:
            existing.add(key)
            fresh.append(s)
    if not fresh:
        return prepared

    wanted = {s.address_key: s for s in fresh}
    hh_ids: dict[str, int] = {}
    keys = []
    for k in sorted(wanted):
        if prev is not None and k in prev.hh_ids:
            hh_ids[k] = prev.hh_ids[k]
        else:
            keys.append(k)
    if keys:
        found = dict(await pgbulk.household_ids(pg, keys))
        missing = [k for k in keys if k not in found]
        if missing:
            new_hh = [
                (k, wanted[k].postcode, wanted[k].huisnummer, wanted[k].toevoeging) for k in missing
            ]
            await pgbulk.insert_households(pg, new_hh, now)
            found.update(await pgbulk.household_ids(pg, missing))
        hh_ids.update(found)

    since = months_back(min(s.signal_date for s in fresh), settings.lookback_months)
    households = sorted(set(hh_ids.values()))
    history: dict[int, list[Known]] = defaultdict(list)
    for ref, hh, ptype, pname, sdate, amount, pattern in await pgbulk.history(
        pg, households, since
    ):
        history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))
    if prev is not None:
        for hh in households:
            theirs = prev.history.get(hh)
            if theirs:
                # Taken in after everything stored: their ids are higher, so they come last.
                history[hh].extend(
                    Known(k.ref, k.partner, k.signal_date, k.amount_cents, k.pattern)
                    for k in theirs
                    if k.signal_date >= since
                )

    decisions: list[tuple[ParsedSignal, int, Decision, Known]] = []
    retro: set[int] = set()
    lookback, minimum = settings.lookback_months, settings.minimum_cents
    for s in sorted(fresh, key=lambda s: (s.signal_date, s.line)):
        hh = hh_ids[s.address_key]
        partner = (s.partner_type, s.partner_name or "")
        known = history[hh]
        decision = decide(known, partner, s.signal_date, s.amount_cents, minimum, lookback)
        retro.update(decision.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, decision.pattern)
        known.append(mine)
        decisions.append((s, hh, decision, mine))
    counts["households"].update(hh for _, hh, _, _ in decisions)

    case_for, opened_now = await _assign_cases_pg(
        conn, pg, decisions, now, settings, counts, prepared, prev
    )
    signal_ids = await pgbulk.next_signal_ids(pg, len(decisions))

    rows = prepared.rows
    warned = batch.warned_lines
    theirs_next: dict[int, list[Known]] = defaultdict(list)
    for sid, (s, hh, d, mine) in zip(signal_ids, decisions, strict=True):
        _count(s, d, warned, counts)
        theirs_next[hh].append(
            Known(sid, mine.partner, mine.signal_date, mine.amount_cents, mine.pattern)
        )
        rows.append((sid, *_signal_record(s, hh, d, mine, case_for.get(hh), run_id, now)))
    prepared.retro = sorted(retro)
    mine_for_cases = [
        (sid, case_for[hh], _case_signal(s, d, mine))
        for sid, (s, hh, d, mine) in zip(signal_ids, decisions, strict=True)
        if not d.suppressed_reason and hh in case_for
    ]
    prepared.scores = await _rescore_pg(
        pg,
        sorted(set(case_for.values()) - opened_now),
        mine_for_cases,
        retro,
        prev,
        now,
        settings,
    )
    prepared.overlay = _Overlay(
        {(s.partner_type, s.partner_signal_id) for s in fresh},
        hh_ids,
        dict(theirs_next),
        case_for,
        mine_for_cases,
        retro,
        opened_now,
    )
    return prepared


async def _rescore_pg(
    pg: Any,
    case_ids: list[int],
    mine: list[tuple[int, int, CaseSignal]],
    retro: set[int],
    prev: _Overlay | None,
    now: datetime,
    settings: IntakeSettings,
) -> list[dict[str, Any]]:
    """As `_rescore`, computed before the batch's signals are written.

    The case's signals are those stored (committed up to the batch before the one in flight),
    then the in-flight batch's, then this batch's own — the order of their ids — with the
    patterns the in-flight batch and this one turn into meervoudig.
    """
    if not case_ids:
        return []
    calendar = settings.calendar
    today = calendar.local_date(now)
    marked = retro if prev is None else retro | prev.marked
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    for row in await pgbulk.case_signals_with_ids(pg, case_ids):
        sid, cid, ptype, pname, amount, sdate, crisis, warm, contract_end, grew, pattern = row
        if sid in marked:
            pattern = MEERVOUDIG
        members[cid].append(
            CaseSignal(ptype, pname or "", amount, sdate, crisis, warm, contract_end, grew, pattern)
        )
    wanted = set(case_ids)
    if prev is not None:
        for sid, cid, cs in prev.case_signals:
            if cid in wanted:
                if sid in marked and cs.pattern != MEERVOUDIG:
                    cs = replace(cs, pattern=MEERVOUDIG)
                members[cid].append(cs)
    for _, cid, cs in mine:
        if cid in wanted:
            members[cid].append(cs)
    opened: dict[int, date] = {}
    for cid, opened_at in await pgbulk.case_opened(pg, case_ids):
        opened[cid] = calendar.local_date(opened_at)
    if prev is not None:
        for cid in wanted & prev.opened:
            opened[cid] = today  # opened at `now` by the batch in flight
    updates = []
    for cid in case_ids:
        signals = members.get(cid)
        if not signals:
            continue
        updates.append({"cid": cid, **_scored(signals, opened[cid], today, settings)})
    return updates


async def _assign_cases_pg(
    conn: AsyncConnection,
    pg: Any,
    decisions: list[tuple[ParsedSignal, int, Decision, Known]],
    now: datetime,
    settings: IntakeSettings,
    counts: dict[str, Any],
    prepared: _Prepared,
    prev: _Overlay | None,
) -> tuple[dict[int, int], set[int]]:
    """As `_assign_cases`, with the new cases' rows left in `prepared` for the write phase."""
    wanting = sorted({hh for _, hh, d, _ in decisions if not d.suppressed_reason})
    case_for: dict[int, int] = {}
    ask = wanting
    if prev is not None:
        case_for = {hh: prev.case_for[hh] for hh in wanting if hh in prev.case_for}
        ask = [hh for hh in wanting if hh not in case_for]
    if ask:
        case_for.update(await pgbulk.open_cases(pg, ask))
    new = [hh for hh in wanting if hh not in case_for]
    if new:
        reopened = await _reopen_recent(conn, new, now, settings)
        case_for.update(reopened)
        new = [hh for hh in new if hh not in reopened]
    counts["cases_updated"] += len(case_for)
    if not new:
        return case_for, set()
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    locale_of: dict[int, str] = {}
    for s, hh, d, mine in decisions:
        if d.suppressed_reason or hh in case_for:
            continue
        members[hh].append(_case_signal(s, d, mine))
        if s.language in SUPPORTED_LOCALES and hh not in locale_of:
            locale_of[hh] = s.language  # type: ignore[assignment]
    today = settings.calendar.local_date(now)
    ids = await pgbulk.next_case_ids(pg, len(new))
    for cid, hh in zip(ids, new, strict=True):
        scored = _scored(members[hh], today, today, settings)
        prepared.case_records.append(
            (
                cid,
                hh,
                "open",
                scored["priority"],
                json.dumps(scored["reasons"]),  # as SQLAlchemy's JSON type stores it
                locale_of.get(hh, "nl"),
                scored["deadline"],
                scored["crisis"],
                now,
                1,
            )
        )
        case_for[hh] = cid
    counts["cases_opened"] += len(new)
    return case_for, set(ids)


async def _write_pg(
    conn: AsyncConnection,
    trans: AsyncTransaction,
    pg: Any,
    prepared: _Prepared,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    batch, counts = prepared.batch, prepared.counts
    try:
        if prepared.case_records:
            await pgbulk.copy_rows(pg, "cases", CASE_COLUMNS, prepared.case_records)
        if prepared.rows:
            await pgbulk.copy_rows(pg, "signals", PG_SIGNAL_COLUMNS, prepared.rows)
        if prepared.retro:
            await pgbulk.mark_meervoudig(pg, prepared.retro)
        if prepared.scores:
            await pgbulk.update_scores(pg, prepared.scores)
        if batch.issues:
            for part in _chunks(batch.issues, 500):
                await conn.execute(
                    insert(issues_t), [dict(item, ingest_run_id=run_id) for item in part]
                )
        await trans.commit()
    except BaseException:
        await trans.rollback()
        raise
    summary.accepted += counts["accepted"]
    summary.accepted_with_warning += counts["accepted_with_warning"]
    summary.duplicates += counts["duplicates"]
    summary.suppressed += counts["suppressed"]
    summary.cases_opened += counts["cases_opened"]
    summary.cases_updated += counts["cases_updated"]
    summary._households.update(counts["households"])
    if progress:
        progress(len(batch))
