"""The timeouts pass: fire every case timer that is due (a wait ran out, a deadline came).

Claimed with `FOR UPDATE SKIP LOCKED`, cleared and applied in one transaction: a crash rolls
the whole claim back and the timer fires again later; a stale timer (older version) does
nothing, because the engine compares versions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from casework.apply import Applied, apply_events
from flows.events import Event, Timeout
from scheduler.context import Context
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


async def fire_timers(ctx: Context, now: datetime) -> Applied:
    total = Applied()
    while True:
        async with ctx.engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(cases_t.c.id, cases_t.c.timer_version, cases_t.c.timer_name)
                    .where(cases_t.c.timer_due <= now)
                    .order_by(cases_t.c.timer_due, cases_t.c.id)
                    .limit(ctx.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not rows:
                return total
            await conn.execute(
                update(cases_t)
                .where(member_of(cases_t.c.id, "ids", conn))
                .values(timer_due=None, timer_name=None),
                {"ids": [r.id for r in rows]},
            )
            events: list[tuple[int, Event]] = [
                (r.id, Timeout(int(r.timer_version or 0), r.timer_name or "")) for r in rows
            ]
            total.add(await apply_events(conn, events, now, ctx.work))
        if len(rows) < ctx.settings.batch_size:
            return total
