"""Storing one batch on one connection (the SQLite path): duplicates, households, history,
patterns, cases (opened, re-opened, re-scored) and the signals themselves. PostgreSQL takes
`signals/pipeline.py`, which shares `not_stored`, `reopen_recent` and `store_issues` from here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from signals.batching import Batch
from signals.patterns import Decision, Known, months_back
from signals.priority import CaseSignal
from signals.records import (
    SIGNAL_COLUMNS,
    SUPPORTED_LOCALES,
    case_signal,
    count_decision,
    decide_in_order,
    score_case,
    signal_record,
)
from signals.settings import IntakeSettings
from signals.summary import new_counts
from signals.validate import ParsedSignal
from store.models import Case, Household, IngestIssue, Signal, table_of
from store.queries import member_of

households_t = table_of(Household)
signals_t = table_of(Signal)
cases_t = table_of(Case)
issues_t = table_of(IngestIssue)


CHUNK = 2000  # keys per IN (...) list: well under SQLite's and asyncpg's parameter limits


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def find_existing_keys(
    conn: AsyncConnection, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Those of the (partner type, id) keys already stored, asked per partner type so the
    (type, id) unique index is used."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for partner_type, signal_id in keys:
        by_type[partner_type].add(signal_id)
    found: set[tuple[str, str]] = set()
    query = select(signals_t.c.partner_signal_id).where(
        signals_t.c.partner_type == bindparam("ptype"),
        member_of(signals_t.c.partner_signal_id, "ids", conn),
    )
    for partner_type, ids in by_type.items():
        for part in chunks(sorted(ids)):
            rows = await conn.execute(query, {"ptype": partner_type, "ids": part})
            found.update((partner_type, signal_id) for (signal_id,) in rows)
    return found


def not_stored(
    signals: list[ParsedSignal], existing: set[tuple[str, str]], counts: dict[str, Any]
) -> list[ParsedSignal]:
    """The signals whose (partner type, id) is not in `existing`, counting the others as
    duplicates; a second row with the same id in this file is a duplicate too."""
    fresh: list[ParsedSignal] = []
    for s in signals:
        key = (s.partner_type, s.partner_signal_id)
        if key in existing:
            counts["duplicates"] += 1
        else:
            existing.add(key)
            fresh.append(s)
    return fresh


async def find_household_ids(
    conn: AsyncConnection, signals: list[ParsedSignal], now: datetime
) -> dict[str, int]:
    wanted = {s.address_key: s for s in signals}
    keys = sorted(wanted)
    ids: dict[str, int] = {}
    query = select(households_t.c.address_key, households_t.c.id).where(
        member_of(households_t.c.address_key, "keys", conn)
    )
    for part in chunks(keys):
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
        for part in chunks(missing):
            ids.update((k, i) for k, i in await conn.execute(query, {"keys": part}))
    return ids


async def load_history(
    conn: AsyncConnection, household_ids: list[int], since: date
) -> dict[int, list[Known]]:
    history: dict[int, list[Known]] = defaultdict(list)
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
        row for part in chunks(household_ids) for row in await conn.execute(query, {"hh": part})
    ]
    for ref, hh, ptype, pname, sdate, amount, pattern in rows:
        history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))
    return history


async def store_batch(
    conn: AsyncConnection,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
) -> dict[str, Any]:
    counts = new_counts()
    existing = await find_existing_keys(conn, map(signal_key, batch.signals))
    fresh = not_stored(batch.signals, existing, counts)
    if not fresh:
        return counts

    hh_ids = await find_household_ids(conn, fresh, now)
    since = months_back(min(s.signal_date for s in fresh), settings.lookback_months)
    history = await load_history(conn, sorted(set(hh_ids.values())), since)

    decisions, retro = decide_in_order(fresh, hh_ids, history, settings)
    counts["households"].update(hh for _, hh, _, _ in decisions)

    case_for, opened_now = await assign_cases(conn, decisions, now, settings, counts)

    rows = []
    warned = batch.warned_lines
    for s, hh, d, mine in decisions:
        count_decision(s, d, warned, counts)
        rows.append(signal_record(s, hh, d, mine, case_for.get(hh), run_id, now))
    await insert_signals(conn, rows)
    if retro:
        await mark_meervoudig(conn, sorted(retro))
    # Cases opened in this batch were scored as they were inserted: all their signals are here.
    await rescore_cases(conn, sorted(set(case_for.values()) - opened_now), now, settings)
    return counts


async def store_issues(conn: AsyncConnection, batch: Batch, run_id: int) -> None:
    """The batch's rejected rows (with what the partner sent) and warnings."""
    for part in chunks(batch.issues, 500):
        await conn.execute(insert(issues_t), [dict(item, ingest_run_id=run_id) for item in part])


_INSERT_SIGNALS = (
    f"INSERT INTO signals ({', '.join(SIGNAL_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in SIGNAL_COLUMNS)})"
)


async def insert_signals(conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> None:
    """The rows straight to the driver, each value converted as SQLAlchemy would store it.

    Through SQLAlchemy's executemany, handling every parameter of every row was a quarter of
    SQLite's intake time; only dates and moments need converting, by SQLAlchemy's own
    processors (so what is stored reads back exactly the same).
    """
    convert = _converters(conn)
    values = [_converted(row, convert) for row in rows]
    raw = await conn.get_raw_connection()
    await raw.driver_connection.executemany(_INSERT_SIGNALS, values)  # type: ignore[union-attr]


def _converters(conn: AsyncConnection) -> list[tuple[int, Any]]:
    dialect = conn.dialect
    found = []
    for i, name in enumerate(SIGNAL_COLUMNS):
        process = signals_t.c[name].type._cached_bind_processor(dialect)
        if process is not None:
            found.append((i, process))
    return found


def _converted(row: tuple[Any, ...], convert: list[tuple[int, Any]]) -> list[Any]:
    values = list(row)
    for i, process in convert:
        values[i] = process(values[i])
    return values


async def mark_meervoudig(conn: AsyncConnection, signal_ids: list[int]) -> None:
    """Stored signals that a signal in this batch made meervoudig."""
    for part in chunks(signal_ids):
        await conn.execute(
            update(signals_t)
            .where(member_of(signals_t.c.id, "ids", conn))
            .values(pattern="meervoudig"),
            {"ids": part},
        )


async def assign_cases(
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
    query = select(cases_t.c.household_id, cases_t.c.id).where(
        member_of(cases_t.c.household_id, "hh", conn), cases_t.c.state == "open"
    )
    for part in chunks(wanting):
        case_for.update((hh, cid) for hh, cid in await conn.execute(query, {"hh": part}))
    new = [hh for hh in wanting if hh not in case_for]
    if new:
        reopened = await reopen_recent(conn, new, now, settings)
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
        members[hh].append(case_signal(s, d, mine))  # in insertion order, as a query reads them
        if s.language in SUPPORTED_LOCALES and hh not in locale_of:
            locale_of[hh] = s.language
    today = settings.calendar.local_date(now)
    values = []
    for hh in new:
        scored = score_case(members[hh], today, today, settings)
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
    # Rows come back in any order; each names its household, so none is needed.
    stmt = insert(cases_t).returning(cases_t.c.id, cases_t.c.household_id)
    opened_now = set()
    for cid, hh in await conn.execute(stmt, values):
        case_for[hh] = cid
        opened_now.add(cid)
    counts["cases_opened"] += len(new)
    return case_for, opened_now


async def reopen_recent(
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
    for part in chunks(households):
        for hh, cid in await conn.execute(query, {"hh": part}):
            latest[hh] = cid  # ordered by closing time: the last one wins
    if latest:
        await conn.execute(
            update(cases_t)
            .where(member_of(cases_t.c.id, "ids", conn))
            # Waiting time and the first-contact deadline count from the re-opening.
            .values(state="open", signal_news=True, opened_at=now),
            {"ids": sorted(latest.values())},
        )
    return latest


async def rescore_cases(
    conn: AsyncConnection, case_ids: list[int], now: datetime, settings: IntakeSettings
) -> None:
    """Recompute priority, reasons, deadline and crisis flag of the given open cases."""
    if not case_ids:
        return
    calendar = settings.calendar
    today = calendar.local_date(now)
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    opened: dict[int, date] = {}
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
    signal_rows: list[Any] = []
    opened_rows: list[Any] = []
    for part in chunks(case_ids):
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
        updates.append({"cid": cid, **score_case(signals, opened[cid], today, settings)})
    if not updates:
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


def signal_key(s: ParsedSignal) -> tuple[str, str]:
    """What makes a signal unique: the partner type and the partner's id of it."""
    return s.partner_type, s.partner_signal_id
