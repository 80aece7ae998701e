"""A file's signals regrouped by household, so that no result depends on the order of the rows
or on the batch size.

Deciding a signal looks at the other signals of its household: spread over batches in file
order, a newer one could be decided before an older one, and what a batch saw depended on its
boundaries. So every batch holds all of the file's signals of its households (address, or the
BSN of signals without one), ordered by content only (`ORDER`).

Memory stays flat however large the file: past `SPILL_ROWS` signals they are written to a
temporary file in `BUCKETS` parts by a hash of their household, each read back and sorted on
its own; their keys likewise by a hash of the partner's id, to find the ids a file repeats.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO

import polars as pl

SPILL_ROWS = 50_000  # signals kept in memory (~20 MB) before they are written out
# Fewer, larger buckets are faster on SQLite and cost memory (1,000,000 rows, first run: 16
# buckets 110 µs per row and 345 MB at peak, 64 buckets 124–129 µs and 276–289 MB).
BUCKETS = 64
# The order signals are decided in. Not the file's line, so that signals of one date are decided
# alike wherever they stand; (partner type, id) is unique, so the order is total.
ORDER = ("household", "signal_date", "partner_type", "partner_signal_id")
# Its address key (signals.normalize.address_key), or else its BSN (an address key starts with
# a digit: the two never meet).
HOUSEHOLD = (
    pl.when(pl.col("postcode").is_not_null())
    .then(pl.concat_str("postcode", "huisnummer", "toevoeging", separator="|"))
    .otherwise(pl.concat_str(pl.lit("bsn:"), "bsn"))
)


class Buckets:
    """Frames added in any order, read back bucket by bucket: all rows with the same `key`
    come back in one frame. Past `SPILL_ROWS` rows, written as Arrow IPC parts to one
    temporary file (which also lets go of the chunks that frames were cut from). Unnamed,
    because it holds names, addresses and BSNs: named files outlive a SIGKILL."""

    def __init__(self, key: str) -> None:
        self._bucket = (pl.col(key).hash(seed=0) % BUCKETS).alias("bucket")
        self._pending: list[pl.DataFrame] = []
        self._rows = 0
        self._file: IO[bytes] | None = None
        self._parts: list[list[tuple[int, int]]] = [[] for _ in range(BUCKETS)]  # offset, size

    def add(self, frame: pl.DataFrame) -> None:
        self._pending.append(frame)
        self._rows += frame.height
        if self._rows >= SPILL_ROWS:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            # Kept open until `close` (the intake's `finally`).
            self._file = tempfile.TemporaryFile(prefix="zaadje-intake-")  # noqa: SIM115
        frame = pl.concat(self._pending)
        self._pending, self._rows = [], 0
        for (number,), part in (
            frame.with_columns(self._bucket).partition_by("bucket", as_dict=True).items()
        ):
            start = self._file.seek(0, io.SEEK_END)
            part.drop("bucket").write_ipc(self._file)
            self._parts[int(number)].append((start, self._file.tell() - start))

    def frames(self) -> Iterator[pl.DataFrame]:
        """Each bucket's rows, once."""
        if self._file is None:  # never spilled
            pending, self._pending = self._pending, []
            if pending:
                yield pl.concat(pending)
            return
        if self._pending:
            self._spill()
        for parts in self._parts:
            if parts:
                yield pl.concat([self._read(start, size) for start, size in parts])
        self.close()

    def _read(self, start: int, size: int) -> pl.DataFrame:
        assert self._file is not None
        self._file.seek(start)
        return pl.read_ipc(io.BytesIO(self._file.read(size)))

    def close(self) -> None:
        self._pending = []
        if self._file is not None:
            self._file.close()
            self._file = None


class Regrouped:
    """Pass 1 adds the validated signals in file order; pass 2 takes household batches."""

    def __init__(self) -> None:
        self._signals = Buckets("household")
        self._keys = Buckets("partner_signal_id")  # with type and line: repeats in the file

    def add(self, signals: pl.DataFrame) -> None:
        """`signals`: as `Batch.frame`, with their `household` (`HOUSEHOLD`)."""
        self._keys.add(signals.select("partner_type", "partner_signal_id", "line"))
        self._signals.add(signals)

    def repeated_lines(self) -> set[int]:
        """Lines whose (partner type, id) came on an earlier line: duplicates (CONTRACT §4)."""
        first = pl.col("line").min().over("partner_type", "partner_signal_id")
        repeated: set[int] = set()
        for keys in self._keys.frames():
            repeated.update(keys.filter(pl.col("line") != first).get_column("line").to_list())
        return repeated

    def batches(self, size: int, skip: set[int]) -> Iterator[pl.DataFrame]:
        """Frames of whole households in `ORDER`, at least `size` signals each (but the
        last), without the lines in `skip`."""
        lines = list(skip)
        left: list[pl.DataFrame] = []  # the end of a bucket, smaller than `size`
        for bucket in self._signals.frames():
            kept = pl.concat([*left, bucket.filter(~pl.col("line").is_in(lines)).sort(ORDER)])
            *cut, last = _cut(kept, size)
            yield from cut
            left = [last]
        if left and not left[0].is_empty():
            yield left[0]

    def close(self) -> None:
        self._signals.close()
        self._keys.close()


def _cut(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """`frame` in slices of at least `size` rows that end where a household does; the last
    may be smaller (or empty)."""
    household = pl.col("household")
    starts = (
        frame.with_row_index()
        .filter(household.ne_missing(household.shift(1)))
        .get_column("index")
        .to_list()
    )
    slices, begin = [], 0
    for start in starts:
        if start - begin >= size:
            slices.append(frame.slice(begin, start - begin))
            begin = start
    slices.append(frame.slice(begin))
    return slices
