"""Python's cycle collector paused while a file is taken in, with a full collection every
few batches instead.

The intake allocates millions of small objects — a tuple, dates and a dozen strings per row,
the decisions and records made of them — that live until their batch is stored. Every 700
allocations the collector starts and walks all the young ones; measured on a 300,000-row
first ingest on PostgreSQL, that was half the main process's CPU (35 of 70 µs per row) and
2 µs per row in the validating child the intake had then. Nearly none of these objects is
part of a cycle: reference counting frees them as soon as a batch is done. The few cycles
there are (asyncio's and the database driver's) are collected every `COLLECT_EVERY` batches,
so memory stays flat. Measured again with the two-pass intake (200,000 rows, PostgreSQL): the
collector left running cost the ingest 91 instead of 64–76 µs per row; with the columnar
validation, alternately, 75 and 76 instead of 74 and 60 (a smaller gain, as pass 1 no longer
makes objects per row, but still one).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A full collection costs some tens of milliseconds with a batch or two in memory: once per
# 20 batches (100,000 rows at the default batch size) it is about 1 µs per row.
COLLECT_EVERY = 20

# Nested or concurrent intakes in one process: the last one out restores the state the first
# one found.
_pauses = 0
_enabled_before = True


class Collector:
    """Counts batches and collects cycles every `every` of them."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.batches = 0

    def batch_done(self) -> None:
        self.batches += 1
        if self.batches % self.every == 0:
            gc.collect()


@contextmanager
def collecting_every(every: int = COLLECT_EVERY) -> Iterator[Collector]:
    global _pauses, _enabled_before
    if _pauses == 0:
        _enabled_before = gc.isenabled()
    _pauses += 1
    gc.disable()
    try:
        yield Collector(every)
    finally:
        _pauses -= 1
        if _pauses == 0 and _enabled_before:
            gc.enable()
