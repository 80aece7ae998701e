"""What the intake and `casework.address` read and update of stored households, signals and
cases, on either database."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import polars as pl
from sqlalchemy import Row, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from signals.batching import Batch
from signals.bulk import insert_rows
from signals.patterns import MEERVOUDIG, months_back
from signals.priority import CaseSignal, first_contact_deadline, score
from signals.settings import IntakeSettings
from store.models import Case, Signal, table_of
from store.queries import member_of

signals_t = table_of(Signal)
cases_t = table_of(Case)

# A signal's columns that scoring reads (CaseSignal's fields, in order, but `language`).
CASE_SIGNAL = tuple(name for name in CaseSignal._fields if name != "language")
SCORED = tuple(signals_t.c[name] for name in CASE_SIGNAL)
# A household's stored signals as signals.deciding.decide reads them.
HISTORY: dict[str, Any] = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "partner_type": pl.String,
    "partner_name": pl.String,
    "signal_date": pl.Date,
    "amount_cents": pl.Int64,
    "pattern": pl.String,
}
HOUSEHOLD_IDS = {"household": pl.String, "household_id": pl.Int64}
CHUNK = 2000  # ids per list: well under SQLite's and asyncpg's parameter limits


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def rows_for(
    conn: AsyncConnection, query: Any, ids: list[Any]
) -> list[Row[*tuple[Any, ...]]]:
    """The rows of `query`, which binds the list `ids`, asked for `CHUNK` ids at a time."""
    return [row for part in chunks(ids) for row in await conn.execute(query, {"ids": part})]


# The positions of the stored keys (partner type, id) of a frame, in one query with the keys as
# one JSON text. Per row of a file of 1,000,000 stored rows: IN lists cost 17 µs; asyncpg's
# encoding of two text arrays alone ~1.7 µs, of JSON ~0.6.
_STORED_AT = {
    "postgresql": text(
        "SELECT array_agg(k.n - 1) FROM json_array_elements(CAST(:keys AS json))"
        " WITH ORDINALITY AS k(key, n) WHERE EXISTS (SELECT 1 FROM signals s"
        " WHERE s.partner_type = k.key ->> 'partner_type'"
        " AND s.partner_signal_id = k.key ->> 'partner_signal_id')"
    ),
    "sqlite": text(
        "SELECT k.key FROM json_each(:keys) AS k WHERE EXISTS (SELECT 1 FROM signals s"
        " WHERE s.partner_type = json_extract(k.value, '$.partner_type')"
        " AND s.partner_signal_id = json_extract(k.value, '$.partner_signal_id'))"
    ),
}


async def stored_at(conn: AsyncConnection, keys: pl.DataFrame) -> pl.Series:
    """Whether each row of `keys` (`partner_type`, `partner_signal_id`) is stored."""
    stored = pl.repeat(False, keys.height, dtype=pl.Boolean, eager=True).alias("stored")
    if keys.is_empty():
        return stored
    (positions,) = await _found_columns(conn, _STORED_AT, keys.write_json())
    return stored.scatter(positions, True) if positions else stored


async def _found_columns(conn: AsyncConnection, queries: dict[str, Any], keys: str) -> list[Any]:
    """The columns that `queries` (by dialect) found for `keys` (JSON): PostgreSQL's come
    aggregated into one array each (NULL when none), SQLite's as rows."""
    found = await conn.execute(queries[conn.dialect.name], {"keys": keys})
    if conn.dialect.name == "postgresql":
        return [values or [] for values in found.one()]
    rows = found.all()
    if not rows:
        return [[] for _ in range(len(found.keys()))]
    return [list(column) for column in zip(*rows, strict=True)]


# The keys as one JSON text: as an array, SQLAlchemy cost ~2 µs per key in the event loop.
_HOUSEHOLD_IDS = {
    "postgresql": text(
        "SELECT array_agg(h.address_key), array_agg(h.id) FROM households h WHERE"
        " h.address_key IN (SELECT json_array_elements_text(CAST(:keys AS json)))"
    ),
    "sqlite": text(
        "SELECT address_key, id FROM households WHERE address_key IN"
        " (SELECT value FROM json_each(:keys))"
    ),
}


async def household_ids(conn: AsyncConnection, keys: list[str]) -> pl.DataFrame:
    """The stored households among address `keys`: `household`, `household_id`."""
    if not keys:
        return pl.DataFrame(schema=HOUSEHOLD_IDS)
    columns = await _found_columns(conn, _HOUSEHOLD_IDS, json.dumps(keys))
    return pl.DataFrame(dict(zip(HOUSEHOLD_IDS, columns, strict=True)), HOUSEHOLD_IDS)


async def stored_history(conn: AsyncConnection, households: list[int], since: Any) -> pl.DataFrame:
    """The households' stored signals since `since`, in id order (`deciding.decide`)."""
    query = (
        select(*(signals_t.c[name] for name in HISTORY))
        .where(member_of(signals_t.c.household_id, "ids", conn), signals_t.c.signal_date >= since)
        .order_by(signals_t.c.id)
    )
    rows = [tuple(r) for r in await rows_for(conn, query, households)]
    return pl.DataFrame(rows, schema=HISTORY, orient="row").sort("id")


ISSUE_SCHEMA = {
    "ingest_run_id": pl.Int64,
    "severity": pl.String,
    "line": pl.Int64,
    "field": pl.String,
    "message": pl.String,
    "raw": pl.String,
}


async def store_issues(conn: AsyncConnection, batch: Batch, run_id: int) -> None:
    """The batch's rejected rows and warnings, in bulk (one by one, 12,430 rows took 1.7 s).
    `raw` as SQLAlchemy's JSON type writes it."""
    rows = [
        (run_id, i["severity"], i["line"], i["field"], i["message"], json.dumps(i["raw"]))
        for i in batch.issues
    ]
    await insert_rows(conn, "ingest_issues", pl.DataFrame(rows, ISSUE_SCHEMA, orient="row"))


async def mark_meervoudig(conn: AsyncConnection, signal_ids: list[int]) -> None:
    query = (
        update(signals_t).where(member_of(signals_t.c.id, "ids", conn)).values(pattern=MEERVOUDIG)
    )
    for part in chunks(signal_ids):
        await conn.execute(query, {"ids": part})


async def closed_recently(
    conn: AsyncConnection, households: list[int], now: datetime, settings: IntakeSettings
) -> dict[int, int]:
    """household → its case closed last within the look-back window, if any."""
    since = settings.calendar.at(
        months_back(settings.calendar.local_date(now), settings.lookback_months), time(0, 0)
    )
    query = (
        select(cases_t.c.household_id, cases_t.c.id)
        .where(
            member_of(cases_t.c.household_id, "ids", conn),
            cases_t.c.state == "closed",
            cases_t.c.closed_at >= since,
            cases_t.c.erased_at.is_(None),  # an erased case stays closed
        )
        .order_by(cases_t.c.closed_at)
    )
    # Ordered by closing time: the last one wins.
    return {hh: cid for hh, cid in await rows_for(conn, query, households)}


async def reopen(conn: AsyncConnection, case_ids: list[int], now: datetime) -> int:
    """Open the closed cases again (with news); how many were still closed."""
    if not case_ids:
        return 0
    result = await conn.execute(
        update(cases_t)
        .where(member_of(cases_t.c.id, "ids", conn), cases_t.c.state == "closed")
        # Waiting and the first-contact deadline count from the re-opening.
        .values(state="open", signal_news=True, opened_at=now),
        {"ids": case_ids},
    )
    return int(result.rowcount)


async def rescore_cases(
    conn: AsyncConnection, case_ids: list[int], now: datetime, settings: IntakeSettings
) -> None:
    """Score the open cases again from their stored signals."""
    await write_scores(conn, await case_scores(conn, case_ids, {}, set(), now, settings))


async def case_scores(
    conn: AsyncConnection,
    case_ids: list[int],
    joining: dict[int, list[CaseSignal]],
    retro: set[int],
    now: datetime,
    settings: IntakeSettings,
    reopened: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """The cases' scores from their stored counting signals (in id order; those in `retro`
    counted as meervoudig), then the not yet stored ones `joining` them; `reopened` cases
    wait from today."""
    if not case_ids:
        return []
    calendar = settings.calendar
    today = calendar.local_date(now)
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    sig_query = (
        select(signals_t.c.case_id, signals_t.c.id, *SCORED)
        .where(
            member_of(signals_t.c.case_id, "ids", conn),
            signals_t.c.suppressed_reason.is_(None),
        )
        .order_by(signals_t.c.id)
    )
    case_query = select(cases_t.c.id, cases_t.c.opened_at).where(
        member_of(cases_t.c.id, "ids", conn)
    )
    for row in await rows_for(conn, sig_query, case_ids):
        cid, sid, ptype, pname, amount, day, crisis, warm, end, grew, pattern = row
        pattern = MEERVOUDIG if sid in retro else pattern
        members[cid].append(
            CaseSignal(ptype, pname or "", amount, day, crisis, warm, end, grew, pattern)
        )
    rows = await rows_for(conn, case_query, case_ids)
    opened = {cid: calendar.local_date(at) for cid, at in rows} | dict.fromkeys(reopened, today)
    scores = []
    for cid in case_ids:
        signals = members[cid] + joining.get(cid, [])
        if signals:
            scores.append({"cid": cid, **score_case(signals, opened[cid], today, settings)})
    return scores


async def write_scores(conn: AsyncConnection, scores: list[dict[str, Any]]) -> None:
    if not scores:
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
        scores,
    )


def score_case(
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
