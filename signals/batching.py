"""Rows of a file → validated batches, with no database in sight.

The intake's first pass: a batch carries everything the summary needs (counts, rejected rows
and warnings in file order) and the signals that the second pass regroups by household
(`signals.ordering`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, cast

import polars as pl
from sqlalchemy import String

from signals.columnar import MARKERS, SCHEMA, as_frame, rows_frame, split_clean
from signals.plain_csv import is_plain, plain_chunks
from signals.reader import FileWarning, Row, Unreadable, detect_format, open_rows, read_head
from signals.validate import ParsedSignal, Rejected, validate_row
from store.models import IngestIssue, table_of

# Rows validated together. polars' cost per call is worth sharing out (on 200,000 rows, 6.9 µs
# per row in chunks of 5,000, 5.7 in chunks of 20,000, 4.6 in 50,000), but a chunk costs
# memory: 20,000 rows took ~40 MB as Python dicts and ~60 MB of polars' working memory, which
# put a first ingest over its 300 MB.
READ_ROWS = 10_000
FIELD_CHARS = cast(String, table_of(IngestIssue).c.field.type).length  # ingest_issues.field


@dataclass
class Batch:
    """A chunk of a file's rows, validated: the accepted signals as a `frame`, the rejected
    rows and warnings as `issues`."""

    frame: pl.DataFrame | None = None  # signals.columnar.SIGNAL_SCHEMA and `warned`
    # Errors and warnings in file order, as stored in ingest_issues.
    issues: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    rejected: int = 0


@dataclass
class Chunk:
    """Rows of a file as read, before they are validated (`validate`)."""

    rows: pl.DataFrame  # columnar.SCHEMA and `line`
    row_at: Callable[[int], Row]  # row `at` of `rows` as the reader gives it
    # The file's own (a CSV header's unknown columns, DDAS keys nothing reads) found so far.
    warnings: list[FileWarning] = field(default_factory=list)
    broken: tuple[int, str] | None = None  # the line where the file breaks off, and why


def check_readable(path: Path, fmt: str | None) -> None:
    """Raise `Unreadable` if the file cannot be read at all (nothing may be written then)."""
    rows = open_rows(path, fmt, [])
    try:
        next(rows, None)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path}: not UTF-8 text") from exc
    finally:
        rows.close()


def read_chunks(path: Path, fmt: str | None, batch_size: int) -> Generator[Chunk, None, None]:
    """The file's rows in chunks of `batch_size` rows (at least `READ_ROWS`): a plain CSV
    file split by polars (`signals.plain_csv`), any other read row by row."""
    size = max(batch_size, READ_ROWS)
    if (fmt or detect_format(path, read_head(path))) == "csv" and is_plain(path):
        warnings: list[FileWarning] = []
        header, frames = plain_chunks(path, size, warnings)
        return frame_chunks(frames, header.kept, warnings)
    return row_chunks(path, fmt, size)


def row_chunks(path: Path, fmt: str | None, size: int) -> Generator[Chunk, None, None]:
    """The file read row by row (`signals.reader`), in chunks of `size` rows; the last one
    may be empty."""
    warnings: list[FileWarning] = []
    rows = open_rows(path, fmt, warnings)
    # Read the header now: a file that lacks a column raises `Unreadable` here, as a whole,
    # not as a file that breaks off after its rows.
    first = next(rows, None)
    chunk: list[Row] = []
    last_line = 0
    try:
        for row in chain(() if first is None else (first,), rows):
            chunk.append(row)
            if len(chunk) >= size:
                yield Chunk(rows_frame(chunk), chunk.__getitem__, _taken(warnings))
                last_line, chunk = chunk[-1][0], []
    except Unreadable as exc:
        # The file breaks off part-way: what came before it is kept, and the unreadable rest
        # counts as one received, rejected row (so received = accepted + rejected + …).
        last_line = chunk[-1][0] if chunk else last_line
        broken = (last_line + 1, f"bestand breekt af: {exc}")
        yield Chunk(rows_frame(chunk), chunk.__getitem__, _taken(warnings), broken)
        return
    yield Chunk(rows_frame(chunk), chunk.__getitem__, _taken(warnings))


def _taken(warnings: list[FileWarning]) -> list[FileWarning]:
    """The reader's warnings so far, for the chunk read (the reader adds to the same list)."""
    taken = warnings.copy()
    warnings.clear()
    return taken


def frame_chunks(
    frames: Iterable[pl.DataFrame], kept: tuple[str, ...], warnings: list[FileWarning]
) -> Generator[Chunk, None, None]:
    """Rows that come as frames (`signals.plain_csv`) as chunks."""
    for rows in frames:
        yield Chunk(rows, partial(_as_read, rows, kept), warnings)
        warnings = []
    if warnings:  # a file of only a header still reports its unknown columns
        empty = pl.DataFrame(schema={**SCHEMA, "line": pl.Int64})
        yield Chunk(empty, partial(_as_read, empty, kept), warnings)


def _as_read(rows: pl.DataFrame, kept: tuple[str, ...], at: int) -> Row:
    """Row `at` of a frame as the reader gives it: its file's columns in their order, then
    the reader's notes."""
    values = rows.row(at, named=True)
    row = {name: values[name] for name in (*kept, *MARKERS) if values[name] is not None}
    return values["line"], row


def validate(chunk: Chunk, today: date, skip: pl.Series | None = None) -> Batch:
    """The chunk's rows validated — the clean ones as columns (`signals.columnar`), the rest
    row by row, in file order so that the batch's issues are — except the lines in `skip`,
    which are only counted as received."""
    batch = Batch(received=chunk.rows.height + (chunk.broken is not None))
    for line, column, message in chunk.warnings:
        _warn(batch, line, column, message)
    rows = chunk.rows.with_row_index("at")
    if skip is not None and not skip.is_empty():
        rows = rows.filter(~pl.col("line").is_in(skip.implode()))
    if not rows.is_empty():
        at = rows.get_column("at")
        _take(rows.drop("at"), today, batch, lambda p: chunk.row_at(at[p]))
    if chunk.broken is not None:
        line, message = chunk.broken
        _error(batch, line, "bestand", message, None)
    return batch


def _take(rows: pl.DataFrame, today: date, batch: Batch, row_at: Callable[[int], Row]) -> None:
    clean, others = split_clean(rows, today)
    signals: list[ParsedSignal] = []
    warned: set[int] = set()
    for at in others:
        line, row = row_at(at)
        if "__error__" in row:
            _error(batch, line, "regel", row["__error__"], row)
            continue
        # A short or long row's fields may have slid into the wrong columns: its note says
        # so, also beside the rejection that often follows (a comma-decimal amount unquoted
        # in a comma file shifts the date into `bedrag`'s neighbour).
        shape = [(line, "regel", row[m]) for m in ("__short__", "__long__") if m in row]
        warnings: list[tuple[int, str, str]] = []
        try:
            signals.append(validate_row(row, line, today, warnings))
        except Rejected as exc:
            _error(batch, line, exc.field, exc.message, row)
            warnings = []  # a rejected row's own warnings are not reported
        for w_line, column, message in warnings + shape:
            _warn(batch, w_line, column, message)
            warned.add(line)  # a rejected line has no signal: harmless
    checked = as_frame(signals, warned)
    batch.frame = pl.concat([f for f in (batch.frame, clean, checked) if f is not None])


def _error(batch: Batch, line: int, column: str, message: str, raw: dict[str, str] | None) -> None:
    batch.rejected += 1
    clean = None
    if raw is not None:
        # Keep what the partner sent (so a person can repair it), minus our own markers.
        clean = {k: v for k, v in raw.items() if not k.startswith("__")}
        clean = json.loads(json.dumps(clean, ensure_ascii=True))
    batch.issues.append(
        {"severity": "error", "line": line, "field": column, "message": message, "raw": clean}
    )


def _warn(batch: Batch, line: int, column: str, message: str) -> None:
    # An unknown column or DDAS key is named in full in the message, its start in `field`.
    field = column[:FIELD_CHARS]
    batch.issues.append(
        {"severity": "warning", "line": line, "field": field, "message": message, "raw": None}
    )
