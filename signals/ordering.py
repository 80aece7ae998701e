"""A file's signals regrouped by household, so that no result depends on the order of the rows
or on the batch size.

Deciding a signal (its pattern, whether it repeats an earlier one, whether it grew, the case it
joins and that case's priority) looks at the other signals of its household. When a household's
signals were spread over several batches in file order, a newer signal could be decided before
an older one of the same file, and what a batch saw of its households depended on where the
batch boundaries fell. So the intake first reads and validates the whole file, and then takes
it in household by household: every batch holds all of the file's signals of its households
(addresses; for signals with only a BSN, that BSN), in an order that depends on their content
only — address, signal date, partner type, partner's id. Each household is then decided once,
against what is stored for it, with the whole file's signals of it in date order.

Memory stays flat however large the file: the validated signals are written to a temporary
file in sorted runs and merged back (an external merge sort), one block of each run in memory.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from operator import attrgetter
from typing import IO, Any

from signals.batching import Batch
from signals.validate import ParsedSignal

# Signals kept in memory before they are sorted and written as one run: ~40 MB at most.
RUN_SIZE = 50_000
# Records per block of a run; a merge holds one decoded block of every run.
BLOCK = 1_000
_FIELDS = attrgetter(*ParsedSignal.__slots__)

# (household, signal date, partner type, partner's id, line, warned, the signal's fields)
Record = tuple[Any, ...]


def household_of(s: ParsedSignal) -> str:
    """The key a signal is grouped by: its address, or (no address, only a BSN) its BSN."""
    if s.address_known:
        return s.address_key
    return f"bsn:{s.bsn}"  # an address key starts with a digit: the two never meet


def content_order(s: ParsedSignal) -> tuple[Any, ...]:
    """The order signals of one household are decided in: by date, then a content tie-break.

    The file's line is left out on purpose: two signals of the same date are decided the
    same way wherever they stand in the file. (partner type, id) is unique among the signals
    taken in, so the order is total.
    """
    return (s.signal_date, s.partner_type, s.partner_signal_id)


class SortedRuns:
    """Records added in any order, read back merged in sorted order (from a temporary file)."""

    def __init__(self) -> None:
        # Kept open across both passes and closed by `close` (the intake's `finally`).
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="zaadje-intake-")  # noqa: SIM115
        self._runs: list[list[tuple[int, int]]] = []  # per run: (offset, size) of its blocks
        self._pending: list[Record] = []

    def add(self, record: Record) -> None:
        self._pending.append(record)
        if len(self._pending) >= RUN_SIZE:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        self._pending.sort()
        blocks = []
        self._file.seek(0, 2)
        for start in range(0, len(self._pending), BLOCK):
            data = pickle.dumps(self._pending[start : start + BLOCK], pickle.HIGHEST_PROTOCOL)
            blocks.append((self._file.tell(), len(data)))
            self._file.write(data)
        self._runs.append(blocks)
        self._pending = []

    def merged(self) -> Iterator[Record]:
        if not self._runs:  # a file of fewer than RUN_SIZE signals never leaves memory
            self._pending.sort()
            pending, self._pending = self._pending, []
            return iter(pending)
        self._flush()
        self._file.flush()
        return heapq.merge(*(self._read(blocks) for blocks in self._runs))

    def _read(self, blocks: list[tuple[int, int]]) -> Iterator[Record]:
        for offset, size in blocks:
            self._file.seek(offset)
            block: list[Record] = pickle.loads(self._file.read(size))
            yield from block

    def close(self) -> None:
        self._file.close()


class Regrouped:
    """Pass 1 takes in the validated batches in file order; pass 2 gives household batches."""

    def __init__(self) -> None:
        self._signals = SortedRuns()
        self._keys = SortedRuns()  # (partner type, id, line): to find duplicates in the file

    def add(self, batch: Batch) -> None:
        warned = batch.warned_lines
        for s in batch.signals:
            self._signals.add(
                (household_of(s), *content_order(s), s.line, s.line in warned, _FIELDS(s))
            )
            self._keys.add((s.partner_type, s.partner_signal_id, s.line))

    def repeated_lines(self) -> set[int]:
        """Lines whose (partner type, id) came on an earlier line of this file: the first one
        is taken in, the later ones are duplicates (CONTRACT §4)."""
        repeated: set[int] = set()
        last: tuple[str, str] | None = None
        for partner_type, signal_id, line in self._keys.merged():
            key = (partner_type, signal_id)
            if key == last:
                repeated.add(line)
            last = key
        self._keys.close()
        return repeated

    def batches(self, size: int, skip: set[int]) -> Iterator[Batch]:
        """Batches of whole households, at least `size` signals each (but the last), without
        the lines in `skip`."""
        yield from _cut(self._signals.merged(), size, skip)
        self._signals.close()

    def close(self) -> None:
        self._signals.close()
        self._keys.close()


def _cut(records: Iterable[Record], size: int, skip: set[int]) -> Iterator[Batch]:
    batch = Batch()
    household = None
    for record in records:
        key, line, warned, fields = record[0], record[4], record[5], record[6]
        if line in skip:
            continue
        if len(batch.signals) >= size and key != household:
            yield batch
            batch = Batch()
        household = key
        batch.signals.append(ParsedSignal(*fields))
        if warned:
            batch.warned_lines.add(line)
    if batch.signals:
        yield batch
