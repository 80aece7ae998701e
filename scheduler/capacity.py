"""The capacity pass: every working day's caseworker tasks within `[capacity]`, highest
priority first (casework/capacity.py decides and writes). Runs after the passes that create
tasks (timers, plan, replies), once at a time across workers."""

from __future__ import annotations

from datetime import datetime

from casework.capacity import reschedule
from scheduler.context import Context
from scheduler.locks import try_pass_lock


async def keep_capacity(ctx: Context, now: datetime) -> int:
    """How many tasks moved to a later working day (0 when another worker runs the pass)."""
    async with ctx.engine.begin() as conn:
        if not await try_pass_lock(conn, "capacity"):
            return 0
        return await reschedule(conn, ctx.calendar, ctx.capacity, now)
