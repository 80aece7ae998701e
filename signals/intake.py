"""`zaadje ingest`: a partner file → signals, households and prioritised cases.

Rows are validated one by one and written in batches, each batch in its own transaction: a
crash loses at most the batch in flight, and re-running the file turns every row already
taken in into a duplicate. Per batch the work is a fixed handful of queries, whatever the
batch size, so the Python-side validation is what sets the pace.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clock import Calendar
from signals.patterns import Decision, Known, decide, months_back
from signals.priority import CaseSignal, first_contact_deadline, score
from signals.reader import Unreadable, open_rows
from signals.validate import ParsedSignal, Rejected, validate_row
from store.models import Case, Household, IngestIssue, IngestRun, Signal
from store.queries import member_of

SUPPORTED_LOCALES = ("nl", "en", "tr", "ar", "pl", "uk")
CHUNK = 2000  # keys per IN (...) list: well under SQLite's and asyncpg's parameter limits

households_t = Household.__table__
signals_t = Signal.__table__
cases_t = Case.__table__
issues_t = IngestIssue.__table__
runs_t = IngestRun.__table__


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


@dataclass
class Batch:
    signals: list[ParsedSignal] = field(default_factory=list)
    warned_lines: set[int] = field(default_factory=set)
    issues: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.signals) + len(self.issues)


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
    file_warnings: list[tuple[int, str, str]] = []
    today = settings.calendar.local_date(now)
    rows = open_rows(path, fmt, file_warnings)
    # Read the first row before anything is written: an unreadable file changes nothing.
    try:
        first = next(rows, None)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path}: not UTF-8 text") from exc
    async with engine.begin() as conn:
        run_id = (
            await conn.execute(
                insert(runs_t).returning(runs_t.c.id), {"source_name": path.name, "started_at": now}
            )
        ).scalar_one()

    batch = Batch()
    for line, column, message in file_warnings:
        _warn(summary, batch, line, column, message)

    def all_rows() -> Iterable[tuple[int, dict[str, str]]]:
        if first is not None:
            yield first
        yield from rows

    last_line = 0
    try:
        for line, row in all_rows():
            last_line = line
            summary.received += 1
            _take_row(row, line, today, summary, batch)
            if len(batch) >= settings.batch_size:
                await _flush(engine, batch, run_id, now, settings, summary)
                if progress:
                    progress(len(batch))
                batch = Batch()
    except Unreadable as exc:
        # The file breaks off part-way: what came before it is kept, and the break is an error.
        _error(summary, batch, last_line + 1, "bestand", f"bestand breekt af: {exc}", None)
    await _flush(engine, batch, run_id, now, settings, summary)
    if progress:
        progress(len(batch))
    result = summary.as_dict()
    async with engine.begin() as conn:
        stored = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
        await conn.execute(
            update(runs_t).where(runs_t.c.id == run_id).values(finished_at=now, summary=stored)
        )
    return result


def _take_row(row: dict[str, str], line: int, today: date, summary: Summary, batch: Batch) -> None:
    if "__error__" in row:
        _error(summary, batch, line, "regel", row["__error__"], row)
        return
    row_warnings: list[tuple[int, str, str]] = []
    try:
        parsed = validate_row(row, line, today, row_warnings)
    except Rejected as exc:
        _error(summary, batch, line, exc.field, exc.message, row)
        return
    if "__short__" in row:
        row_warnings.append((line, "regel", row["__short__"]))
    if "__long__" in row:
        row_warnings.append((line, "regel", row["__long__"]))
    for w_line, column, message in row_warnings:
        _warn(summary, batch, w_line, column, message)
    if row_warnings:
        batch.warned_lines.add(line)
    batch.signals.append(parsed)


def _error(
    summary: Summary, batch: Batch, line: int, column: str, message: str, raw: dict[str, str] | None
) -> None:
    summary.rejected += 1
    if len(summary.errors) < SUMMARY_ISSUE_LIMIT:
        summary.errors.append({"line": line, "field": column, "message": message})
    clean = None
    if raw is not None:
        # Keep what the partner sent (so a person can repair it), minus our own markers.
        clean = {k: v for k, v in raw.items() if not k.startswith("__")}
        clean = json.loads(json.dumps(clean, ensure_ascii=True))
    batch.issues.append(
        {"severity": "error", "line": line, "field": column, "message": message, "raw": clean}
    )


def _warn(summary: Summary, batch: Batch, line: int, column: str, message: str) -> None:
    if len(summary.warnings) < SUMMARY_ISSUE_LIMIT:
        summary.warnings.append({"line": line, "field": column, "message": message})
    batch.issues.append(
        {"severity": "warning", "line": line, "field": column, "message": message, "raw": None}
    )


async def _flush(
    engine: AsyncEngine,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> None:
    if not batch.signals and not batch.issues:
        return
    async with engine.begin() as conn:
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
    ids: dict[str, int] = {}
    query = select(households_t.c.address_key, households_t.c.id).where(
        member_of(households_t.c.address_key, "keys", conn)
    )
    for part in _chunks(keys):
        ids.update((k, i) for k, i in await conn.execute(query, {"keys": part}))
    missing = [k for k in keys if k not in ids]
    if missing:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(households_t).on_conflict_do_nothing(index_elements=["address_key"])
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
    query = select(
        signals_t.c.id,
        signals_t.c.household_id,
        signals_t.c.partner_type,
        signals_t.c.partner_name,
        signals_t.c.signal_date,
        signals_t.c.amount_cents,
        signals_t.c.pattern,
    ).where(
        member_of(signals_t.c.household_id, "hh", conn),
        signals_t.c.signal_date >= since,
    )
    for part in _chunks(household_ids):
        for ref, hh, ptype, pname, sdate, amount, pattern in await conn.execute(
            query, {"hh": part}
        ):
            history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))
    return history


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
    for s in sorted(fresh, key=lambda s: (s.signal_date, s.line)):
        hh = hh_ids[s.address_key]
        partner = (s.partner_type, s.partner_name or "")
        known = history[hh]
        decision = decide(
            known,
            partner,
            s.signal_date,
            s.amount_cents,
            settings.minimum_cents,
            settings.lookback_months,
        )
        retro.update(decision.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, decision.pattern)
        known.append(mine)  # a later signal in this batch may still make it meervoudig
        decisions.append((s, hh, decision, mine))
        counts["households"].add(hh)

    case_for = await _assign_cases(conn, decisions, now, settings, counts)

    rows = []
    for s, hh, d, mine in decisions:
        if d.suppressed_reason:
            counts["suppressed"] += 1
        else:
            counts["accepted"] += 1
            if s.line in batch.warned_lines:
                counts["accepted_with_warning"] += 1
        rows.append(
            {
                "partner_type": s.partner_type,
                "partner_signal_id": s.partner_signal_id,
                "partner_name": s.partner_name,
                "amount_cents": s.amount_cents,
                "signal_date": s.signal_date,
                "origin_date": s.origin_date,
                "crisis": s.crisis,
                "warm_handover": s.warm_handover,
                "contract_end_date": s.contract_end_date,
                "bsn": s.bsn,
                "initials": s.initials,
                "prefix": s.prefix,
                "surname": s.surname,
                "birth_date": s.birth_date,
                "street": s.street,
                "huisnummer": s.huisnummer,
                "toevoeging": s.toevoeging,
                "postcode": s.postcode,
                "city": s.city,
                "phone": s.phone,
                "email": s.email,
                "language": s.language,
                "household_id": hh,
                "case_id": None if d.suppressed_reason else case_for.get(hh),
                "pattern": mine.pattern,
                "suppressed_reason": d.suppressed_reason,
                "status": "Nog niet opgepakt",
                "grew": d.grew,
                "ingest_run_id": run_id,
                "source_line": s.line,
                "received_at": now,
            }
        )
    await _insert_signals(conn, rows)
    if retro:
        for part in _chunks(sorted(retro)):
            await conn.execute(
                update(signals_t)
                .where(member_of(signals_t.c.id, "ids", conn))
                .values(pattern="meervoudig"),
                {"ids": part},
            )
    await _rescore(conn, sorted(set(case_for.values())), now, settings)
    return counts


async def _insert_signals(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name == "postgresql":
        # COPY is an order of magnitude faster than INSERT for a batch (RECIPES: ~330k rows/s).
        raw = await conn.get_raw_connection()
        columns = list(rows[0].keys())
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "signals", records=[tuple(r[c] for c in columns) for r in rows], columns=columns
        )
        return
    await conn.execute(insert(signals_t), rows)


async def _assign_cases(
    conn: AsyncConnection,
    decisions: list[tuple[ParsedSignal, int, Decision, Known]],
    now: datetime,
    settings: IntakeSettings,
    counts: dict[str, Any],
) -> dict[int, int]:
    """Household → its open case, opening one where a signal that counts has none."""
    wanting = sorted({hh for _, hh, d, _ in decisions if not d.suppressed_reason})
    case_for: dict[int, int] = {}
    query = select(cases_t.c.household_id, cases_t.c.id).where(
        member_of(cases_t.c.household_id, "hh", conn), cases_t.c.state == "open"
    )
    for part in _chunks(wanting):
        case_for.update((hh, cid) for hh, cid in await conn.execute(query, {"hh": part}))
    counts["cases_updated"] += len(case_for)
    new = [hh for hh in wanting if hh not in case_for]
    if new:
        locale_of: dict[int, str] = {}
        for s, hh, d, _ in decisions:
            if s.language in SUPPORTED_LOCALES and hh not in locale_of and not d.suppressed_reason:
                locale_of[hh] = s.language  # type: ignore[assignment]
        # Rows come back in any order; each names its household, so none is needed.
        stmt = insert(cases_t).returning(cases_t.c.id, cases_t.c.household_id)
        result = await conn.execute(
            stmt,
            [
                {
                    "household_id": hh,
                    "state": "open",
                    "priority": 0,
                    "reasons": [],
                    "locale": locale_of.get(hh, "nl"),
                    "crisis": False,
                    "opened_at": now,
                    "version": 1,
                }
                for hh in new
            ],
        )
        for cid, hh in result:
            case_for[hh] = cid
        counts["cases_opened"] += len(new)
    return case_for


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
    sig_query = select(
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
    ).where(
        member_of(signals_t.c.case_id, "ids", conn),
        signals_t.c.suppressed_reason.is_(None),
    )
    case_query = select(cases_t.c.id, cases_t.c.opened_at).where(
        member_of(cases_t.c.id, "ids", conn)
    )
    for part in _chunks(case_ids):
        for row in await conn.execute(sig_query, {"ids": part}):
            members[row[0]].append(
                CaseSignal(
                    row[1], row[2] or "", row[3], row[4], row[5], row[6], row[7], row[8], row[9]
                )
            )
        for cid, opened_at in await conn.execute(case_query, {"ids": part}):
            opened[cid] = calendar.local_date(opened_at)
    updates = []
    for cid in case_ids:
        signals = members.get(cid)
        if not signals:
            continue
        result = score(signals, opened[cid], today, settings.priority_rules, calendar)
        updates.append(
            {
                "cid": cid,
                "priority": result.priority,
                "reasons": result.reasons,
                "deadline": first_contact_deadline(
                    signals, opened[cid], settings.deadline_rules, calendar
                ),
                "crisis": any(s.crisis for s in signals),
            }
        )
    if updates:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == bindparam("cid"))
            .values(
                priority=bindparam("priority"),
                reasons=bindparam("reasons"),
                deadline=bindparam("deadline"),
                crisis=bindparam("crisis"),
            ),
            updates,
        )
