"""APScheduler wiring: the passes on intervals, in one process; any number of processes.

Durable work lives in database rows, not in APScheduler's memory: a pass claims what is due,
so two workers never do the same thing and a restarted worker simply picks up the rest.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.context import Context
from scheduler.dispatch import dispatch
from scheduler.inbound import retry_inbound
from scheduler.news import signal_news
from scheduler.plan import plan
from scheduler.purge import purge
from scheduler.timeouts import fire_timers

log = logging.getLogger("zaadje.worker")

Pass = Callable[[], Awaitable[Any]]


class Running:
    """How many passes are in flight, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0


def _guarded(name: str, run: Pass, running: Running) -> Pass:
    async def job() -> None:
        running.count += 1
        try:
            await run()
        except Exception:  # one failing pass must not stop the others; it runs again soon
            log.exception("pass %s failed", name)
        finally:
            running.count -= 1

    return job


def build_scheduler(
    ctx: Context, intervals: dict[str, float], retention_months: int, running: Running
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=ctx.calendar.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )

    def now() -> datetime:
        return datetime.now(UTC)

    passes: dict[str, Pass] = {
        "dispatch": lambda: dispatch(ctx, now),
        "timeouts": lambda: fire_timers(ctx, now()),
        "news": lambda: signal_news(ctx, now()),
        "inbound": lambda: retry_inbound(ctx, now()),
        "plan": lambda: plan(ctx, now()),
        "purge": lambda: purge(ctx, now(), retention_months),
    }
    for name, run in passes.items():
        scheduler.add_job(
            _guarded(name, run, running),
            "interval",
            seconds=intervals[name],
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


async def run_worker(ctx: Context, intervals: dict[str, float], retention_months: int) -> None:
    running = Running()
    scheduler = build_scheduler(ctx, intervals, retention_months, running)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    scheduler.start()
    log.info("worker %s started", ctx.worker_id)
    await stop.wait()
    # shutdown() would cancel a pass in flight; pause, let running passes finish, then stop.
    scheduler.pause()
    while running.count:
        await asyncio.sleep(0.05)
    scheduler.shutdown(wait=False)
    log.info("worker %s stopped", ctx.worker_id)
