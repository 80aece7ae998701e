"""`zaadje ingest`: a partner file → signals, households and prioritised cases.

Rows are validated (in a child process for big files) and stored in batches, each batch in its
own transaction and in file order: a crash loses at most the batches in flight, and re-running
the file turns every row already taken in into a duplicate. On PostgreSQL the writes of one
batch overlap the lookups of the next (`signals/pipeline.py`); on SQLite one connection does
everything (`signals/storing.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from signals.batching import Batch
from signals.collector import Collector, collecting_every
from signals.pipeline import ingest_pipelined
from signals.prefetch import batches_of, check_readable
from signals.settings import IntakeSettings
from signals.storing import store_batch, store_issues
from signals.summary import Summary, take_issues
from signals.waiting import store_waiting
from store.models import IngestRun, table_of

runs_t = table_of(IngestRun)

# Re-exported: the CLI, the tests and the benchmark import these from here.
__all__ = ["IntakeSettings", "Summary", "ingest_file"]


async def ingest_file(
    engine: AsyncEngine,
    path: Path,
    fmt: str | None,
    now: datetime,
    settings: IntakeSettings,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    summary = Summary()
    today = settings.calendar.local_date(now)
    # Read the first row before anything is written: an unreadable file changes nothing.
    check_readable(path, fmt)
    async with engine.begin() as conn:
        run_id = (
            await conn.execute(
                insert(runs_t).returning(runs_t.c.id), {"source_name": path.name, "started_at": now}
            )
        ).scalar_one()

    # Cycles are collected every few batches, not every 700 allocations (collector.py).
    with collecting_every() as collector:
        async with batches_of(path, fmt, today, settings.batch_size) as read:
            batches = _counted(
                _waiting_apart(engine, read, run_id, now, settings, summary), collector
            )
            if engine.dialect.name == "postgresql":
                await ingest_pipelined(engine, batches, run_id, now, settings, summary, progress)
            else:
                async for batch in batches:
                    take_issues(summary, batch)
                    await _flush(engine, batch, run_id, now, settings, summary)
                    if progress:
                        progress(len(batch))
    result = summary.as_dict()
    async with engine.begin() as conn:
        stored = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
        await conn.execute(
            update(runs_t).where(runs_t.c.id == run_id).values(finished_at=now, summary=stored)
        )
    return result


async def _waiting_apart(
    engine: AsyncEngine,
    batches: AsyncIterator[Batch],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> AsyncIterator[Batch]:
    """Signals without an address are stored on their own, before the rest of their batch.

    They touch no household, so neither storing path needs to know of them; their own
    transaction keeps the rule that a crash loses at most the batch in flight.
    """
    async for batch in batches:
        waiting = [s for s in batch.signals if not s.address_known]
        if waiting:
            batch.signals = [s for s in batch.signals if s.address_known]
            async with engine.begin() as conn:
                counts = await store_waiting(
                    conn, waiting, batch.warned_lines, run_id, now, settings
                )
            summary.add(counts)
        yield batch


async def _counted(batches: AsyncIterator[Batch], collector: Collector) -> AsyncIterator[Batch]:
    async for batch in batches:
        yield batch
        collector.batch_done()


async def _flush(
    engine: AsyncEngine,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> None:
    if not batch.signals and not batch.issues:
        return
    async with engine.begin() as conn:
        counts = await store_batch(conn, batch, run_id, now, settings, summary)
        await store_issues(conn, batch, run_id)
    # Counted only after the commit, so the summary never claims what was rolled back.
    summary.add(counts)
