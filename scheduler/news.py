"""New signals for cases already in outreach reach the engine as `NewSignal` events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from casework.apply import Applied, apply_events
from flows.events import Event, NewSignal
from scheduler.context import Context
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


async def signal_news(ctx: Context, now: datetime) -> Applied:
    total = Applied()
    while True:
        async with ctx.engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(cases_t.c.id, cases_t.c.crisis)
                    .where(cases_t.c.signal_news)
                    .order_by(cases_t.c.id)
                    .limit(ctx.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            if not rows:
                return total
            await conn.execute(
                update(cases_t)
                .where(member_of(cases_t.c.id, "ids", conn))
                .values(signal_news=False),
                {"ids": [r.id for r in rows]},
            )
            events: list[tuple[int, Event]] = [
                (r.id, NewSignal(crisis=bool(r.crisis))) for r in rows
            ]
            total.add(await apply_events(conn, events, now, ctx.work))
        if len(rows) < ctx.settings.batch_size:
            return total
