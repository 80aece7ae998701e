"""Every pass once, in the order that makes one tick complete: new signals, due timers,
today's plan, dispatch of everything due, then the day's capacity for the tasks all of these
created. `zaadje tick` and the worker both use it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from casework.apply import Applied
from scheduler.capacity import keep_capacity
from scheduler.context import Context
from scheduler.dispatch import dispatch
from scheduler.inbound import retry_inbound
from scheduler.news import signal_news
from scheduler.plan import plan
from scheduler.timeouts import fire_timers


async def tick(ctx: Context, now: datetime) -> dict[str, Any]:
    applied = Applied()
    await retry_inbound(ctx, now)
    applied.add(await signal_news(ctx, now))
    applied.add(await fire_timers(ctx, now))
    planned = await plan(ctx, now)
    applied.add(planned)
    sent = await dispatch(ctx, lambda: now)
    if sent.applied is not None:
        applied.add(sent.applied)
    moved = await keep_capacity(ctx, now)
    return {
        "planned": len(planned.states),
        "sent": sent.sent,
        "held": sent.held,
        "failed": sent.failed,
        "retried": sent.retried,
        "rerouted": sent.rerouted,
        "escalated": applied.escalated,
        "tasks_created": applied.tasks_created,
        "closed": applied.closed,
        "moved": moved,
    }
