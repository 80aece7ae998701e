"""Signals that came with only a BSN (DDAS v1.2 allows it): kept, never outreached blindly.

Without an address there is no household, so no pattern, no repeat check and no outreach. The
signals of one BSN wait together on one case in state "address_unknown", scored like any case
(so a crisis signal still stands out), with a review task that asks a caseworker to look the
address up. `casework.address` takes them on from there once the address is known.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from signals.ordering import content_order
from signals.patterns import ENKELVOUDIG, Decision, Known, decide
from signals.records import (
    SIGNAL_COLUMNS,
    SUPPORTED_LOCALES,
    case_signal,
    count_decision,
    score_case,
    signal_record,
)
from signals.settings import IntakeSettings
from signals.storing import chunks, find_existing_keys, not_stored, rescore_cases, signal_key
from signals.summary import new_counts
from signals.validate import ParsedSignal
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
    conn: AsyncConnection,
    signals: list[ParsedSignal],
    warned: set[int],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
) -> dict[str, Any]:
    counts = new_counts()
    fresh = not_stored(signals, await find_existing_keys(conn, map(signal_key, signals)), counts)
    if not fresh:
        return counts
    # Only the minimum amount can be judged without a household (no pattern, no repeats).
    minimum, lookback = settings.minimum_cents, settings.lookback_months
    decided = [
        (s, decide([], _partner(s), s.signal_date, s.amount_cents, minimum, lookback))
        for s in sorted(fresh, key=content_order)
    ]
    by_bsn: dict[str, list[ParsedSignal]] = defaultdict(list)
    for s, d in decided:
        if not d.suppressed_reason:
            assert s.bsn is not None  # validate_row lets a signal without address in by BSN
            by_bsn[s.bsn].append(s)
    case_of = await _waiting_cases(conn, sorted(by_bsn))
    waiting = case_of | await _open_waiting(
        conn, {b: v for b, v in by_bsn.items() if b not in case_of}, now, settings
    )
    rows = []
    for s, d in decided:
        count_decision(s, d, warned, counts)
        case_id = None if d.suppressed_reason else waiting[s.bsn or ""]
        record = signal_record(s, None, d, _known(s), case_id, run_id, now)
        rows.append(dict(zip(SIGNAL_COLUMNS, record, strict=True)))
    await conn.execute(insert(signals_t), rows)
    await rescore_cases(conn, sorted(set(case_of.values())), now, settings)
    counts["waiting_for_address"] = sum(len(group) for group in by_bsn.values())
    return counts


async def _waiting_cases(conn: AsyncConnection, bsns: list[str]) -> dict[str, int]:
    """The case already waiting for each BSN, if any."""
    query = (
        select(signals_t.c.bsn, signals_t.c.case_id)
        .join(cases_t, cases_t.c.id == signals_t.c.case_id)
        .where(
            signals_t.c.household_id.is_(None),  # spelled as the partial index's predicate
            member_of(signals_t.c.bsn, "bsns", conn),
            cases_t.c.state == WAITING,
        )
    )
    found: dict[str, int] = {}
    for part in chunks(bsns):
        found.update((bsn, cid) for bsn, cid in await conn.execute(query, {"bsns": part}))
    return found


async def _open_waiting(
    conn: AsyncConnection,
    groups: dict[str, list[ParsedSignal]],
    now: datetime,
    settings: IntakeSettings,
) -> dict[str, int]:
    """A waiting case and its review task per BSN that has none yet."""
    calendar = settings.calendar
    today = calendar.local_date(now)
    opened: dict[str, int] = {}
    for bsn, group in groups.items():
        members = [case_signal(s, Decision(ENKELVOUDIG, None, False), _known(s)) for s in group]
        scored = score_case(members, today, today, settings)
        locale = next((s.language for s in group if s.language in SUPPORTED_LOCALES), "nl")
        case_id = (
            await conn.execute(
                insert(cases_t).returning(cases_t.c.id),
                {
                    "household_id": None,
                    "state": WAITING,
                    "priority": scored["priority"],
                    "reasons": scored["reasons"],
                    "locale": locale,
                    "deadline": scored["deadline"],
                    "crisis": scored["crisis"],
                    "opened_at": now,
                    "version": 1,
                },
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


def _partner(s: ParsedSignal) -> tuple[str, str]:
    return (s.partner_type, s.partner_name or "")


def _known(s: ParsedSignal) -> Known:
    return Known(None, _partner(s), s.signal_date, s.amount_cents, ENKELVOUDIG)
