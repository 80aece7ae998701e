"""Signals that came with only a BSN (DDAS v1.2 allows it): kept, never outreached blindly.

Without an address there is no household: no pattern, repeat check or outreach. A BSN's
signals wait on one case (`WAITING`), scored like any (a crisis still stands out), with a
review task to look the address up; `casework.address` goes on from there.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from signals import bulk
from signals.households import count_decided, members_of, not_stored, stored_rows
from signals.patterns import ENKELVOUDIG, SUPPRESSED_SMALL
from signals.priority import CaseSignal
from signals.settings import IntakeSettings
from signals.storing import rescore_cases, rows_for, score_case
from store.models import Case, Signal, Task, table_of
from store.queries import member_of

cases_t = table_of(Case)
signals_t = table_of(Signal)
tasks_t = table_of(Task)

WAITING = "address_unknown"
MERGED = "merged"  # its signals joined the household's case once the address was known
TASK_REASON = "address_unknown"


def task_ref(case_id: int) -> str:
    return f"address:{case_id}"


async def store_waiting(
    conn: AsyncConnection, frame: pl.DataFrame, run_id: int, now: datetime, settings: IntakeSettings
) -> dict[str, Any]:
    """`frame`: signals without an address, in content order (as `households.prepare`'s)."""
    counts: Counter[str] = Counter()
    frame = await not_stored(conn, frame, counts)
    if frame.is_empty():
        return counts
    # Only the minimum amount can be judged without a household (no pattern, no repeats).
    decided = frame.with_columns(
        pl.lit(ENKELVOUDIG).alias("pattern"),
        pl.lit(False).alias("grew"),
        pl.when(pl.col("amount_cents") < settings.minimum_cents)
        .then(pl.lit(SUPPRESSED_SMALL))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("suppressed_reason"),
        pl.lit(None, dtype=pl.Int64).alias("household_id"),
    )
    counting = count_decided(counts, decided)
    counts["waiting_for_address"] = counting.height
    members, locale = members_of(counting, "bsn")
    case_of = await _waiting_cases(conn, sorted(members))
    new = {bsn: signals for bsn, signals in members.items() if bsn not in case_of}
    waiting = case_of | await _open_waiting(conn, new, locale, now, settings)
    case_id = pl.col("bsn").replace_strict(waiting, default=None, return_dtype=pl.Int64)
    await bulk.insert_rows(conn, "signals", stored_rows(decided, case_id, run_id, now))
    await rescore_cases(conn, sorted(set(case_of.values())), now, settings)
    return counts


async def _waiting_cases(conn: AsyncConnection, bsns: list[str]) -> dict[str, int]:
    """The case already waiting for each BSN, if any."""
    query = (
        select(signals_t.c.bsn, signals_t.c.case_id)
        .join(cases_t, cases_t.c.id == signals_t.c.case_id)
        .where(
            signals_t.c.household_id.is_(None),  # spelled as the partial index's predicate
            member_of(signals_t.c.bsn, "ids", conn),
            cases_t.c.state == WAITING,
        )
    )
    return {bsn: cid for bsn, cid in await rows_for(conn, query, bsns)}


async def _open_waiting(
    conn: AsyncConnection,
    members: dict[str, list[CaseSignal]],
    locale: dict[str, str],
    now: datetime,
    settings: IntakeSettings,
) -> dict[str, int]:
    """A waiting case and its review task for each BSN in `members` (its counting signals)."""
    calendar = settings.calendar
    today = calendar.local_date(now)
    opened: dict[str, int] = {}
    for bsn, signals in members.items():
        scored = score_case(signals, today, today, settings)
        case = {"household_id": None, "state": WAITING, "locale": locale.get(bsn, "nl")}
        case_id = (
            await conn.execute(
                insert(cases_t).returning(cases_t.c.id),
                case | scored | {"opened_at": now, "version": 1},
            )
        ).scalar_one()
        deadline = scored["deadline"]
        await conn.execute(
            insert(tasks_t),
            {
                "ref": task_ref(case_id),
                "case_id": case_id,
                "kind": "review",
                "reason": TASK_REASON,
                "status": "open",
                "priority": scored["priority"],
                # Due at this moment's local time on the first-contact deadline.
                "due": calendar.at(deadline, calendar.local(now).time()) if deadline else now,
                "not_before": None,
                "note": "Adres onbekend: zoek het adres op en vul het in op de zaakpagina.",
                "created_at": now,
            },
        )
        opened[bsn] = case_id
    return opened
