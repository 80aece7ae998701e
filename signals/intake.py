"""`zaadje ingest`: a partner file → signals, households and prioritised cases.

Pass 1 reads and validates the whole file, storing its rejected rows and warnings and setting
apart duplicates (partner type + id stored). Pass 2 takes the signals in household by
household (`signals/ordering.py`), each decided once with all of its file's signals in date
order, so results depend on neither row order nor batch size. Each batch commits on its own:
a crash loses at most the batches in flight, and re-running the file turns what was taken in
into duplicates. On PostgreSQL a batch's writes overlap the next one's lookups; on SQLite one
connection does both in turn (`signals/households.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import aclosing
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from signals.batching import Batch, Chunk, check_readable, read_chunks, validate
from signals.columnar import plain_keys
from signals.ordering import HOUSEHOLD, Regrouped
from signals.pipeline import cancelled, take_in, tidy_up
from signals.settings import IntakeSettings
from signals.storing import household_ids, store_issues, stored_at
from signals.summary import Summary, take_issues
from signals.waiting import store_waiting
from store.erasure_lock import lock_for_intake
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
        # The signals wait (on disk) until every one of their household's is known.
        first_pass = aclosing(_first_pass(engine, path, fmt, today, run_id, settings))
        async with first_pass as chunks:
            async for batch, known in chunks:
                take_issues(summary, batch)
                summary.duplicates += known
                if batch.frame is not None and not batch.frame.is_empty():
                    await asyncio.to_thread(regrouped.add, batch.frame)
                if progress:
                    progress(len(batch.issues) + known)
        repeated = regrouped.repeated_lines()
        summary.duplicates += len(repeated)
        if progress:
            progress(len(repeated))
        batches = _second_pass(
            engine, regrouped.batches(settings.batch_size, repeated), run_id, now, settings, summary
        )
        written = await take_in(engine, batches, run_id, now, settings, summary, progress)
    finally:
        regrouped.close()
    result = summary.as_dict()
    async with engine.begin() as conn:
        stored = {k: v for k, v in result.items() if k not in ("errors", "warnings")}
        await conn.execute(
            update(runs_t).where(runs_t.c.id == run_id).values(finished_at=now, summary=stored)
        )
    if written >= 2 and engine.dialect.name == "postgresql":
        await tidy_up(engine)
    return result


async def _second_pass(
    engine: AsyncEngine,
    batches: Iterator[pl.DataFrame],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
) -> AsyncIterator[pl.DataFrame]:
    """The household batches, their signals without an address (which touch no household)
    stored first, in a transaction of their own."""
    # Read in a worker thread: the batch before is written meanwhile (signals/households.py).
    while (frame := await asyncio.to_thread(next, batches, None)) is not None:
        unknown = pl.col("postcode").is_null()
        waiting = frame.filter(unknown)
        if not waiting.is_empty():
            frame = frame.filter(~unknown)
            async with engine.begin() as conn:
                await lock_for_intake(conn)
                counts = await store_waiting(conn, waiting, run_id, now, settings)
            summary.add(counts)
        if not frame.is_empty():
            yield frame


async def _first_pass(
    engine: AsyncEngine,
    path: Path,
    fmt: str | None,
    today: date,
    run_id: int,
    settings: IntakeSettings,
) -> AsyncGenerator[tuple[Batch, int], None]:
    """The file's chunks validated, their issues stored, each with its number of duplicates.

    A duplicate (partner type + id stored) changes nothing (CONTRACT §4): it is looked up
    before validation and not reported, so taking a file in again costs little more than
    reading it. Nothing in the file can change that, so it need not wait for pass 2 (which
    asks again only when a batch clashes with an intake alongside: signals/pipeline.py).

    Three steps overlap, a chunk apart: reading the next chunk, validating this one and
    settling the one before; reading and validating run in worker threads (polars lets go
    of the GIL) while the event loop sends the queries."""
    chunks = read_chunks(path, fmt, settings.batch_size)

    async def read_next() -> tuple[Chunk | None, pl.DataFrame, asyncio.Future[pl.Series]]:
        chunk, keys = await asyncio.to_thread(_next_keyed, chunks)
        return chunk, keys, asyncio.ensure_future(_stored_keys(engine, keys))

    reading = asyncio.ensure_future(read_next())
    lookup: asyncio.Future[pl.Series] | None = None
    settling: asyncio.Future[tuple[Batch, int]] | None = None
    try:
        chunk, keys, lookup = await asyncio.shield(reading)
        while chunk is not None:
            reading = asyncio.ensure_future(read_next())
            assert lookup is not None  # read with its chunk
            stored = await lookup
            known = keys.get_column("line").filter(stored)
            batch = await asyncio.to_thread(validate, chunk, today, known)
            if settling is not None:
                yield await settling
            settling = asyncio.ensure_future(_settle(engine, batch, keys, known.len(), run_id))
            chunk, keys, lookup = await asyncio.shield(reading)
        if settling is not None:
            yield await settling
    finally:
        # What is in flight ends before the error goes on (its connection back in the pool).
        # A worker thread cannot be cancelled (hence `shield`), so the chunk it reads is
        # waited for before the file is closed.
        await asyncio.wait({reading})
        started = reading.result()[2] if reading.exception() is None else None
        for task in (settling, lookup, started):
            if task is not None:
                await cancelled(task)
        chunks.close()


def _next_keyed(chunks: Iterator[Chunk]) -> tuple[Chunk | None, pl.DataFrame]:
    chunk = next(chunks, None)
    if chunk is None:
        return None, pl.DataFrame()
    return chunk, plain_keys(chunk.rows)


async def _stored_keys(engine: AsyncEngine, keys: pl.DataFrame) -> pl.Series:
    if keys.is_empty():
        return pl.Series(dtype=pl.Boolean)
    async with engine.begin() as conn:
        return await stored_at(conn, keys.drop("line"))


async def _settle(
    engine: AsyncEngine, batch: Batch, keys: pl.DataFrame, duplicates: int, run_id: int
) -> tuple[Batch, int]:
    """The batch with its issues stored and its households looked up, and its number of
    duplicates: `duplicates` and the signals whose key only the row validator could read
    (set apart with their warnings)."""
    frame = batch.frame
    if (frame is None or frame.is_empty()) and not batch.issues:
        return batch, duplicates  # a chunk of duplicates only (taking a file in again)
    async with engine.begin() as conn:
        if frame is not None and not frame.is_empty():
            unseen = frame.filter(~pl.col("line").is_in(keys.get_column("line").implode()))
            stored = await stored_at(conn, unseen.select("partner_type", "partner_signal_id"))
            if stored.any():
                gone = unseen.get_column("line").filter(stored)
                lines = set(gone.to_list())
                batch.issues = [i for i in batch.issues if i["line"] not in lines]
                duplicates += gone.len()
                frame = frame.filter(~pl.col("line").is_in(gone.implode()))
            batch.frame = await _with_households(conn, frame)
        if batch.issues:
            await store_issues(conn, batch, run_id)
    return batch, duplicates


async def _with_households(conn: AsyncConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with each signal's `household`, and its `household_id` where stored. Pass 2
    asks again only for those found, so a first intake's (all new) are asked for here, while
    the database has little else to do."""
    frame, keys = await asyncio.to_thread(_household_keys, frame)
    stored = await household_ids(conn, keys)
    return await asyncio.to_thread(
        frame.join, stored, on="household", how="left", maintain_order="left"
    )


def _household_keys(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """`frame` with each signal's household, and the households with an address."""
    frame = frame.with_columns(HOUSEHOLD.alias("household"))
    addressed = frame.filter(pl.col("postcode").is_not_null())
    return frame, addressed.get_column("household").unique().to_list()
