"""The plan pass: open outreach for today's most urgent cases, within the team's capacity.

Runs daily and after an ingest. Cases that do not fit today wait and gain priority each day
(`age`), so nothing starves. Crisis cases are always planned: the law gives them three
working days (Wgs art. 4), whatever the day's capacity.

Each kind of first step fills its own daily capacity: an SMS (`messages_per_day`) for a
resident with a usable phone number, a letter (`letters_per_day`) for one without — no
number on any signal, or only a number that opted out of messages; the engine starts those
cases on the `no_phone` ladder, whose first step is a letter. The caseworkers' tasks that
follow keep to their own capacity (casework/capacity.py).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Row, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.apply import Applied, apply_events
from casework.optouts import listed
from flows.events import Planned
from scheduler.bookkeeping import read_value, write_value
from scheduler.context import Context
from scheduler.locks import try_pass_lock
from store.models import Case, Signal, table_of
from store.queries import member_of

cases_t = table_of(Case)
signals_t = table_of(Signal)


async def plan(ctx: Context, now: datetime) -> Applied:
    calendar = ctx.calendar
    today = calendar.local_date(now)
    applied = Applied()
    async with ctx.engine.begin() as conn:
        if not await try_pass_lock(conn, "plan"):
            return applied  # another worker is planning right now
        await age(conn, ctx, today)
        working_day = calendar.is_working_day(today)
        start_of_day = calendar.at(today, time(0, 0))
        planned_today = await _planned_since(conn, start_of_day)
        capacity = ctx.capacity
        room_messages = capacity.messages_per_day - planned_today["messages"]
        room_letters = capacity.letters_per_day - planned_today["letters"]
        # Crisis cases always; then, on working days, each kind of first step fills its own
        # capacity highest priority first: an SMS for residents with a usable phone number, a
        # letter for those without.
        chosen = [row.id for row in await _candidates(conn, None, crisis_only=True)]
        if working_day:
            for with_phone, room in ((True, room_messages), (False, room_letters)):
                rows = await _candidates(conn, max(room, 0), with_phone=with_phone)
                chosen.extend(row.id for row in rows if row.id not in chosen)
        if not chosen:
            return applied
        phones = await _phones(conn, chosen)
        selected = chosen
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == bindparam("cid"))
            .values(contact_phone=bindparam("phone"), planned_at=now),
            [{"cid": cid, "phone": phones.get(cid)} for cid in selected],
        )
        applied = await apply_events(conn, [(cid, Planned()) for cid in selected], now, ctx.rules)
    return applied


async def _planned_since(conn: AsyncConnection, since: datetime) -> dict[str, int]:
    """Today's outreach so far (crisis aside), by the capacity its first step used."""
    no_phone = cases_t.c.contact_phone.is_(None) | listed(cases_t.c.contact_phone)
    total, letters = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(case((no_phone, 1), else_=0)), 0)).where(
                cases_t.c.planned_at >= since, cases_t.c.crisis.is_(False)
            )
        )
    ).one()
    return {"messages": int(total) - int(letters), "letters": int(letters)}


async def _candidates(
    conn: AsyncConnection,
    limit: int | None,
    crisis_only: bool = False,
    with_phone: bool | None = None,
) -> list[Row[Any]]:
    if limit == 0:
        return []
    query = (
        select(cases_t.c.id, cases_t.c.crisis)
        .where(cases_t.c.state == "open", cases_t.c.stage == "new")
        .order_by(cases_t.c.priority.desc(), cases_t.c.id)
        .with_for_update(skip_locked=True)
    )
    if crisis_only:
        query = query.where(cases_t.c.crisis.is_(True))
    else:
        query = query.where(cases_t.c.crisis.is_(False))
    if with_phone is not None:
        # The number the case will use (`_phones`: the newest any signal carried), usable
        # when it is there and not opted out — as the engine decides on its first ladder.
        newest = (
            select(signals_t.c.phone)
            .where(signals_t.c.case_id == cases_t.c.id, signals_t.c.phone.is_not(None))
            .order_by(signals_t.c.signal_date.desc(), signals_t.c.id.desc())
            .limit(1)
            .correlate(cases_t)  # also inside the opt-out EXISTS, one level further down
            .scalar_subquery()
        )
        has_phone = newest.is_not(None) & ~listed(newest)
        query = query.where(has_phone if with_phone else ~has_phone)
    if limit is not None:
        query = query.limit(limit)
    return list(await conn.execute(query))


async def _phones(conn: AsyncConnection, case_ids: list[int]) -> dict[int, str]:
    """The newest phone number any signal of the case carried."""
    rows = await conn.execute(
        select(signals_t.c.case_id, signals_t.c.phone)
        .where(member_of(signals_t.c.case_id, "ids", conn), signals_t.c.phone.is_not(None))
        .order_by(signals_t.c.signal_date, signals_t.c.id),
        {"ids": case_ids},
    )
    return {case_id: phone for case_id, phone in rows}


async def age(conn: AsyncConnection, ctx: Context, today: date) -> None:
    """Once a day, every waiting case gains priority for the days it waited."""
    last = await read_value(conn, "aged_on")
    if last is None:
        await write_value(conn, "aged_on", today.isoformat())
        return
    days = (today - date.fromisoformat(last)).days
    if days <= 0:
        return
    await conn.execute(
        update(cases_t)
        .where(cases_t.c.state == "open", cases_t.c.stage == "new")
        .values(priority=cases_t.c.priority + ctx.settings.waiting_per_day * days)
    )
    await write_value(conn, "aged_on", today.isoformat())
