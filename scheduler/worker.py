"""APScheduler wiring: the passes on intervals, in one process; any number of processes.

Durable work lives in database rows, not in APScheduler's memory: a pass claims what is due,
so two workers never do the same thing and a restarted worker simply picks up the rest.

Stopping is graceful: no pass starts after `stop()` begins, a pass in flight finishes (the
dispatch pass after the batch it is handing over, not after the whole backlog), and only then
does the scheduler shut down. APScheduler's own `shutdown()` would cancel a pass half-way,
leaving messages claimed and handed over but not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, NoReturn

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.capacity import keep_capacity
from scheduler.context import Context
from scheduler.dispatch import dispatch
from scheduler.inbound import retry_inbound
from scheduler.news import signal_news
from scheduler.plan import plan
from scheduler.purge import purge
from scheduler.timeouts import fire_timers

log = logging.getLogger("zaadje.worker")

Pass = Callable[[], Awaitable[Any]]
# Told after each pass that ran to its end: its name, how long it took (seconds) and whether
# it succeeded (`zaadje serve` wires it to its metrics). It must not raise; if it does, the
# error is logged and the pass is unaffected.
PassObserver = Callable[[str, float, bool], None]


class Running:
    """The passes in flight, and whether the worker is stopping."""

    def __init__(self) -> None:
        self.count = 0
        self.stopping = False
        self.idle = asyncio.Event()
        self.idle.set()

    def enter(self) -> None:
        self.count += 1
        self.idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.idle.set()


def _guarded(name: str, run: Pass, running: Running, observe: PassObserver | None = None) -> Pass:
    async def job() -> None:
        if running.stopping:
            return  # fired just before the pause took effect: leave the work for next time
        running.enter()
        started = time.monotonic()
        try:
            await run()
            _tell(observe, name, time.monotonic() - started, True)
        except Exception:  # one failing pass must not stop the others; it runs again soon
            log.exception("pass %s failed", name, extra={"pass": name})
            _tell(observe, name, time.monotonic() - started, False)
        except asyncio.CancelledError:
            # Only a forced stop cancels a pass. What it claimed stays claimed until its
            # lease runs out and is then recovered, so this is worth a line, not a traceback.
            log.warning("pass %s cut off by a forced stop", name, extra={"pass": name})
        finally:
            running.leave()

    return job


def _tell(observe: PassObserver | None, name: str, seconds: float, ok: bool) -> None:
    if observe is None:
        return
    try:
        observe(name, seconds, ok)
    except Exception:  # a metric must never fail a pass
        log.exception("pass observer failed", extra={"pass": name})


def build_scheduler(
    ctx: Context,
    intervals: dict[str, float],
    running: Running,
    observe: PassObserver | None = None,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=ctx.calendar.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )

    def now() -> datetime:
        return datetime.now(UTC)

    passes: dict[str, Pass] = {
        # Batch after batch while work is due, but no new batch once the worker is stopping:
        # a backlog of thousands must not hold up a shutdown for minutes.
        "dispatch": lambda: dispatch(ctx, now, stopping=lambda: running.stopping),
        "timeouts": lambda: fire_timers(ctx, now()),
        "news": lambda: signal_news(ctx, now()),
        "inbound": lambda: retry_inbound(ctx, now()),
        "plan": lambda: plan(ctx, now()),
        "purge": lambda: purge(ctx, now()),
        # Tasks come from timers, the plan and replies: placed within the day's capacity
        # about as often as timers fire.
        "capacity": lambda: keep_capacity(ctx, now()),
    }
    seconds = {"capacity": intervals["timeouts"], **intervals}
    for name, run in passes.items():
        scheduler.add_job(
            _guarded(name, run, running, observe),
            "interval",
            seconds=seconds[name],
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


class Worker:
    """The passes of one process, started inside the running event loop."""

    def __init__(
        self, ctx: Context, intervals: dict[str, float], observe: PassObserver | None = None
    ) -> None:
        self.ctx = ctx
        self.running = Running()
        self.scheduler = build_scheduler(ctx, intervals, self.running, observe)

    def start(self) -> None:
        self.scheduler.start()
        log.info("worker %s started", self.ctx.worker_id, extra={"worker": self.ctx.worker_id})

    async def stop(self) -> None:
        """No new pass; the passes in flight finish; then the scheduler is shut down."""
        self.running.stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
        await asyncio.sleep(0)  # a job APScheduler submitted a moment ago gets to start
        await self.running.idle.wait()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def abort(self) -> None:
        """A forced stop: the passes in flight are cancelled where they stand."""
        self.running.stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


FORCED_GRACE_SECONDS = 2.0


class StopSignals:
    """SIGTERM and SIGINT: the first asks for a graceful stop, a second one forces it by
    cancelling the task that installed the handlers (work in flight may then be cut off; a
    claimed message is recovered by its lease, so even then nothing is lost)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.received: str | None = None
        self.forced_by: str | None = None
        self._task: asyncio.Task[Any] | None = None

    def install(self) -> None:
        self._task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if not self.requested.is_set():
            self.received = sig.name
            self.requested.set()
            # For the operator (and a test): the stop has begun; a second signal forces it.
            log.info("stopping", extra={"signal": sig.name})
        elif self.forced_by is None and self._task is not None:
            self.forced_by = sig.name
            self._task.cancel()
            # Forced means now: should winding down hang (a cleanup waiting on work that was
            # cut off), leave anyway after a moment.
            asyncio.get_running_loop().call_later(FORCED_GRACE_SECONDS, self._leave)

    def _leave(self) -> NoReturn:
        log.warning("forced stop", extra={"signal": self.forced_by})
        logging.shutdown()
        os._exit(1)

    async def wait(self) -> None:
        await self.requested.wait()

    def run(self, main: Coroutine[Any, Any, None], log: logging.Logger) -> int:
        """Run a long-running command's loop; 0 after a graceful stop, 1 when forced."""
        started = time.monotonic()
        try:
            asyncio.run(main)
        except asyncio.CancelledError:
            # Forced means now. A database connection that was in use when the passes were cut
            # off is never closed, and an SQLite connection's thread would then keep the
            # interpreter from exiting: leave without waiting for it (leases recover the rest).
            self._leave()
        log.info(
            "stopped",
            extra={"signal": self.received, "uptime_s": round(time.monotonic() - started, 1)},
        )
        return 0


async def run_worker(
    ctx: Context,
    intervals: dict[str, float],
    stop: StopSignals | None = None,
) -> None:
    """Run the passes until SIGTERM/SIGINT (or `stop`), then stop gracefully."""
    if stop is None:
        stop = StopSignals()
        stop.install()
    worker = Worker(ctx, intervals)
    worker.start()
    try:
        await stop.wait()
        await worker.stop()
    except asyncio.CancelledError:
        worker.abort()
        raise
