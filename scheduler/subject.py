"""Finding a data subject: every case and signal of one resident, for `zaadje erase`.

A case belongs to a household, so erasing a person erases each case they appear in as a
whole (a case file cannot be half a person's); signals of theirs that opened no case go too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.erasure import Target
from store.models import Case, Signal, table_of

cases_t = table_of(Case)
signals_t = table_of(Signal)


async def by_phone(conn: AsyncConnection, phone: str) -> Target:
    """`phone` in E.164, as stored."""
    target = Target(addresses={phone}, numbers={_digits(phone)})
    rows = await conn.execute(
        select(signals_t.c.id, signals_t.c.case_id).where(signals_t.c.phone == phone)
    )
    _add_signals(target, rows)
    found = await conn.execute(select(cases_t.c.id).where(cases_t.c.contact_phone == phone))
    target.case_ids.update(i for (i,) in found)
    return target


async def by_bsn(conn: AsyncConnection, bsn: str) -> Target:
    target = Target(numbers={bsn})
    rows = await conn.execute(
        select(signals_t.c.id, signals_t.c.case_id).where(signals_t.c.bsn == bsn)
    )
    _add_signals(target, rows)
    return target


async def by_case(conn: AsyncConnection, case_id: int) -> Target | None:
    """None when there is no such case."""
    found = await conn.scalar(select(cases_t.c.id).where(cases_t.c.id == case_id))
    return None if found is None else Target(case_ids={case_id})


def _add_signals(target: Target, rows: Iterable[Any]) -> None:
    for signal_id, case_id in rows:
        if case_id is None:
            target.signal_ids.add(signal_id)
        else:
            target.case_ids.add(case_id)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())
