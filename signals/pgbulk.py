"""Intake's bulk reads and writes on PostgreSQL, straight through asyncpg.

SQLAlchemy spends several microseconds per row and parameter on processing that asyncpg's
binary codecs already do; at a million rows per file that was most of the intake's time.
Every statement here runs on the driver connection *inside* the batch's SQLAlchemy
transaction, so a batch still commits or rolls back as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under `conn`, with the batch's transaction begun.

    SQLAlchemy's asyncpg adapter opens its transaction lazily, on the first statement it
    runs itself; without one, raw statements would commit on their own.
    """
    raw = await conn.get_raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    if not pg.is_in_transaction():
        await conn.execute(text("SELECT 1"))
    return pg


async def analyze(pg: Any) -> None:
    """Refresh the planner's statistics of the tables intake reads and grows."""
    await pg.execute("ANALYZE signals, households, cases")


async def existing_ids(pg: Any, partner_type: str, ids: list[str]) -> list[str]:
    rows = await pg.fetch(
        "SELECT partner_signal_id FROM signals"
        " WHERE partner_type = $1 AND partner_signal_id = ANY($2::text[])",
        partner_type,
        ids,
    )
    return [r[0] for r in rows]


async def household_ids(pg: Any, keys: list[str]) -> list[tuple[str, int]]:
    rows = await pg.fetch(
        "SELECT address_key, id FROM households WHERE address_key = ANY($1::text[])", keys
    )
    return [(r[0], r[1]) for r in rows]


_INSERT_HOUSEHOLDS = (
    "INSERT INTO households (address_key, postcode, huisnummer, toevoeging, created_at)"
    " SELECT k, p, n, t, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
    " AS u(k, p, n, t)"
)


async def insert_households(
    pg: Any, rows: list[tuple[str, str, str, str]], now: Any
) -> list[tuple[str, int]]:
    """(address_key, postcode, huisnummer, toevoeging) rows → (address_key, id) of those
    inserted; one taken in meanwhile is kept and left out (the caller looks it up)."""
    args = [*(list(col) for col in zip(*rows, strict=True)), now]
    try:
        # The keys were looked up a moment ago: a plain insert nearly always succeeds and
        # costs the server a third less than ON CONFLICT's speculative insertion.
        async with pg.transaction():  # a savepoint: a conflict undoes only this statement
            inserted = await pg.fetch(f"{_INSERT_HOUSEHOLDS} RETURNING address_key, id", *args)
    except asyncpg.UniqueViolationError:
        # Another intake took some of these addresses in meanwhile: theirs are kept.
        inserted = await pg.fetch(
            f"{_INSERT_HOUSEHOLDS} ON CONFLICT (address_key) DO NOTHING RETURNING address_key, id",
            *args,
        )
    return [(r[0], r[1]) for r in inserted]


HISTORY_SQL = (
    "SELECT id, household_id, partner_type, partner_name, signal_date, amount_cents, pattern"
    " FROM signals WHERE household_id = ANY($1::bigint[]) AND signal_date >= $2"
    # In the order the signals were taken in, whatever plan the statistics lead to: the
    # pattern decision breaks ties (same partner, same date) by that order.
    " ORDER BY id"
)


async def history(pg: Any, household_ids: list[int], since: date) -> list[Any]:
    if not household_ids:
        return []
    return list(await pg.fetch(HISTORY_SQL, household_ids, since))


async def open_cases(pg: Any, household_ids: list[int]) -> list[tuple[int, int]]:
    rows = await pg.fetch(
        "SELECT household_id, id FROM cases WHERE household_id = ANY($1::bigint[])"
        " AND state = 'open'",
        household_ids,
    )
    return [(r[0], r[1]) for r in rows]


async def next_case_ids(pg: Any, n: int) -> list[int]:
    """Ids for new cases, taken from the sequence the way INSERT would, in one round trip."""
    rows = await pg.fetch("SELECT nextval('cases_id_seq') FROM generate_series(1, $1)", n)
    return [r[0] for r in rows]


async def next_signal_ids(pg: Any, n: int) -> list[int]:
    """Ids for new signals, taken from the sequence as COPY would, in one round trip."""
    rows = await pg.fetch("SELECT nextval('signals_id_seq') FROM generate_series(1, $1)", n)
    return [r[0] for r in rows]


async def copy_rows(
    pg: Any, table: str, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    await pg.copy_records_to_table(table, records=records, columns=list(columns))


async def case_signals_with_ids(pg: Any, case_ids: list[int]) -> list[Any]:
    """The counting signals of the cases, each row led by the signal's id, in id order."""
    if not case_ids:
        return []
    return list(
        await pg.fetch(
            "SELECT id, case_id, partner_type, partner_name, amount_cents, signal_date, crisis,"
            " warm_handover, contract_end_date, grew, pattern FROM signals"
            " WHERE case_id = ANY($1::bigint[]) AND suppressed_reason IS NULL"
            " ORDER BY id",
            case_ids,
        )
    )


async def case_opened(pg: Any, case_ids: list[int]) -> list[tuple[int, Any]]:
    if not case_ids:
        return []
    rows = await pg.fetch("SELECT id, opened_at FROM cases WHERE id = ANY($1::bigint[])", case_ids)
    return [(r[0], r[1]) for r in rows]


async def mark_meervoudig(pg: Any, signal_ids: list[int]) -> None:
    await pg.execute(
        "UPDATE signals SET pattern = 'meervoudig' WHERE id = ANY($1::bigint[])", signal_ids
    )


async def update_scores(pg: Any, updates: list[dict[str, Any]]) -> None:
    """One UPDATE … FROM unnest for the whole batch instead of one statement per case."""
    await pg.execute(
        "UPDATE cases SET priority = u.priority, reasons = u.reasons::json,"
        " deadline = u.deadline, crisis = u.crisis,"
        # A case already in outreach hears of the new signal (scheduler/news.py).
        " signal_news = cases.signal_news OR cases.stage <> 'new'"
        " FROM unnest($1::bigint[], $2::int[], $3::text[], $4::date[], $5::bool[])"
        " AS u(id, priority, reasons, deadline, crisis) WHERE cases.id = u.id",
        [u["cid"] for u in updates],
        [u["priority"] for u in updates],
        # Serialised as SQLAlchemy's JSON type does (json.dumps), so stored text is the same.
        [json.dumps(u["reasons"]) for u in updates],
        [u["deadline"] for u in updates],
        [u["crisis"] for u in updates],
    )
