"""The timeouts pass: fire every case timer that is due (a wait ran out, a deadline came).

Claimed with `FOR UPDATE SKIP LOCKED`, cleared and applied in one transaction: a crash rolls
the whole claim back and the timer fires again later; a stale timer (older version) does
nothing, because the engine compares versions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from casework.apply import Applied
from flows.events import Timeout
from scheduler.case_passes import apply_due, cases_t
from scheduler.context import Context


async def fire_timers(ctx: Context, now: datetime) -> Applied:
    due = (
        select(cases_t.c.id, cases_t.c.timer_version, cases_t.c.timer_name)
        .where(cases_t.c.timer_due <= now)
        .order_by(cases_t.c.timer_due, cases_t.c.id)
    )
    return await apply_due(
        ctx,
        now,
        due,
        {"timer_due": None, "timer_name": None},
        lambda r: Timeout(int(r.timer_version or 0), r.timer_name or ""),
    )
