"""New signals for cases already in outreach reach the engine as `NewSignal` events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from casework.apply import Applied
from flows.events import NewSignal
from scheduler.case_passes import apply_due, cases_t
from scheduler.context import Context


async def signal_news(ctx: Context, now: datetime) -> Applied:
    due = select(cases_t.c.id, cases_t.c.crisis).where(cases_t.c.signal_news).order_by(cases_t.c.id)
    return await apply_due(
        ctx, now, due, {"signal_news": False}, lambda r: NewSignal(crisis=bool(r.crisis))
    )
