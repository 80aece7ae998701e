"""Work done right after a webhook has answered, inside the process, tracked to the end.

A webhook stores what the provider sent and answers at once; the slower part (a resident's
reply through the flow engine, a status that must wait for the dispatcher) runs here on a few
workers. Nothing depends on this queue surviving: what it holds is already stored, and the
scheduler's inbound pass handles any stored-but-unhandled message after a crash or when the
queue is full. On shutdown the queue is drained for a grace period, then the workers stop.

Acknowledging comes first: while webhook requests are in flight (`busy`), a worker waits
before its next job, up to `max_defer` seconds. At an ordinary pace requests are rarely in
flight and handling follows at once; in a burst the process spends itself on storing and
answering (a provider retries what is not answered in time, and a slow answer holds up its
queue), and the handling catches up as the burst eases, never starved for more than
`max_defer` per job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("zaadje.twilio")

Job = Callable[[], Awaitable[None]]


class Background:
    def __init__(
        self,
        workers: int = 2,
        queue_size: int = 100_000,
        busy: Callable[[], bool] | None = None,
        max_defer: float = 1.0,
    ) -> None:
        self.workers = workers
        self.busy = busy or (lambda: False)
        self.max_defer = max_defer
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=queue_size)
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.Task[None]] = set()
        self._closing = False

    def start(self) -> None:
        for _ in range(self.workers):
            task = asyncio.get_running_loop().create_task(self._work())
            self._tasks.add(task)

    def submit(self, job: Job) -> bool:
        """Queue a job; False when it was not taken (full or closing): the safety net's."""
        if self._closing:
            return False
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            log.warning("background queue full; the scheduler's pass picks the work up")
            return False
        return True

    def later(self, delay: float, job: Job) -> None:
        """Queue a job after `delay` seconds (tracked: cancelled on shutdown)."""
        if self._closing:
            return

        async def wait_then_submit() -> None:
            await asyncio.sleep(delay)
            self.submit(job)

        timer = asyncio.get_running_loop().create_task(wait_then_submit())
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def idle(self) -> None:
        """Until every queued job is done (tests, benchmarks)."""
        await self.queue.join()

    async def _yield_to_requests(self) -> None:
        waited = 0.0
        while self.busy() and waited < self.max_defer:
            await asyncio.sleep(0.005)
            waited += 0.005

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self._yield_to_requests()
                await job()
            except Exception:
                log.exception("background job failed; the scheduler's pass tries again")
            finally:
                self.queue.task_done()

    async def aclose(self, grace: float = 5.0) -> None:
        self._closing = True
        for timer in list(self._timers):
            timer.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.queue.join(), grace)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._timers, return_exceptions=True)
        self._tasks.clear()
