"""`zaadje ingest`: a partner file → signals, households and prioritised cases.

Two passes. The first reads and validates the whole file — the rows in their common shape as
columns (`signals/columnar.py`), the others row by row —, storing its rejected rows and
warnings; the second takes the signals in household by household (`signals/ordering.py`),
so that each household is decided once with all of the file's signals of it in date order:
results depend on neither the order of the rows nor the batch size. Each batch of households
is stored in its own transaction: a crash loses at most the batches in flight, and re-running
the file turns every row already taken in into a duplicate. On PostgreSQL the writes of one
batch overlap the lookups of the next; on SQLite one connection does both in turn
(`signals/households.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from signals.batching import Batch, check_readable, read_batches
from signals.households import not_stored
from signals.ordering import Regrouped
from signals.pipeline import take_in
from signals.settings import IntakeSettings
from signals.storing import store_issues
from signals.summary import Summary, new_counts, take_issues
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

    regrouped = Regrouped()
    try:
        # Pass 1: read and validate the whole file; rejected rows and warnings are stored at
        # once, the signals wait (on disk) until every one of their household's is known.
        for batch in read_batches(path, fmt, today, settings.batch_size):
            take_issues(summary, batch)
            known = await _issues_and_stored(engine, batch, run_id, summary)
            if batch.frame is not None:
                regrouped.add(batch.frame)
            if progress:
                progress(len(batch.issues) + known)
        repeated = regrouped.repeated_lines()
        summary.duplicates += len(repeated)
        if progress:
            progress(len(repeated))
        # Pass 2: household by household (signals/ordering.py, signals/households.py).
        batches = _second_pass(
            engine, regrouped.batches(settings.batch_size, repeated), run_id, now, settings, summary
        )
        await take_in(engine, batches, run_id, now, settings, summary, progress)
    finally:
        regrouped.close()
    result = summary.as_dict()
    async with engine.begin() as conn:
        stored = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
        await conn.execute(
            update(runs_t).where(runs_t.c.id == run_id).values(finished_at=now, summary=stored)
        )
    return result


async def _second_pass(
    engine: AsyncEngine,
    batches: Iterator[pl.DataFrame],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> AsyncIterator[pl.DataFrame]:
    """The household batches, their signals without an address stored on their own first
    (a batch left empty is not passed on).

    Those touch no household, so `take_in` need not know of them; their own transaction
    keeps the rule that a crash loses at most the batch in flight.
    """
    for frame in batches:
        unknown = pl.col("postcode").is_null()
        waiting = frame.filter(unknown)
        if not waiting.is_empty():
            frame = frame.filter(~unknown)
            async with engine.begin() as conn:
                counts = await store_waiting(conn, waiting, run_id, now, settings)
            summary.add(counts)
        if not frame.is_empty():
            yield frame


async def _issues_and_stored(
    engine: AsyncEngine, batch: Batch, run_id: int, summary: Summary
) -> int:
    """Store a read batch's rejected rows and warnings, and set apart (as duplicates) the
    signals whose partner type + id is stored already: nothing in the file can change that,
    so they need not wait for the second pass, and taking a file in again costs little more
    than reading it. (The second pass asks again only when a batch clashes with an intake
    running alongside: signals/pipeline.py.)"""
    counts = new_counts()
    async with engine.begin() as conn:
        if batch.issues:
            await store_issues(conn, batch, run_id)
        if batch.frame is not None and not batch.frame.is_empty():
            batch.frame = await not_stored(conn, batch.frame, counts)
    summary.duplicates += counts["duplicates"]
    return int(counts["duplicates"])
