"""Rows of a file → validated batches, with no database in sight (the intake's first pass)."""

from __future__ import annotations

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

# Rows validated together: polars' cost per call is shared out (on 200,000 rows, 6.9 µs per
# row in chunks of 5,000, 4.6 in 50,000), but 20,000 rows took ~100 MB, over a first
# ingest's 300 MB.
READ_ROWS = 10_000
FIELD_CHARS = cast(String, table_of(IngestIssue).c.field.type).length  # ingest_issues.field


@dataclass
class Batch:
    """A chunk of a file's rows, validated."""

    frame: pl.DataFrame | None = None  # the accepted signals: columnar.SIGNAL_SCHEMA, `warned`
    # Errors and warnings in file order, as stored in ingest_issues.
    issues: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    rejected: int = 0


@dataclass
class Chunk:
    """Rows of a file as read, before they are validated."""

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
    """The file's rows in chunks of `batch_size` rows (at least `READ_ROWS`)."""
    size = max(batch_size, READ_ROWS)
    if (fmt or detect_format(path, read_head(path))) == "csv" and is_plain(path):
        warnings: list[FileWarning] = []
        header, frames = plain_chunks(path, size, warnings)
        return frame_chunks(frames, header.kept, warnings)
    return row_chunks(path, fmt, size)


def row_chunks(path: Path, fmt: str | None, size: int) -> Generator[Chunk, None, None]:
    """The file read row by row, in chunks of `size` rows; the last one may be empty."""
    warnings: list[FileWarning] = []
    rows = open_rows(path, fmt, warnings)
    # Read the header now: a file that lacks a column is unreadable as a whole, not a file
    # that breaks off after its rows.
    first = next(rows, None)
    chunk: list[Row] = []
    last_line = 0
    broken = None
    try:
        for row in chain(() if first is None else (first,), rows):
            chunk.append(row)
            if len(chunk) >= size:
                yield Chunk(rows_frame(chunk), chunk.__getitem__, _taken(warnings))
                last_line, chunk = chunk[-1][0], []
    except Unreadable as exc:
        # What came before is kept; the unreadable rest counts as one received, rejected row.
        last_line = chunk[-1][0] if chunk else last_line
        broken = (last_line + 1, f"bestand breekt af: {exc}")
    yield Chunk(rows_frame(chunk), chunk.__getitem__, _taken(warnings), broken)


def _taken(warnings: list[FileWarning]) -> list[FileWarning]:
    """The reader's warnings so far (it goes on adding to the same list)."""
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
    """The chunk's rows validated, issues in file order; the lines in `skip` are only counted
    as received."""
    batch = Batch(received=chunk.rows.height + (chunk.broken is not None))
    for line, column, message in chunk.warnings:
        _warn(batch, line, column, message)
    rows = chunk.rows.with_row_index("at")
    if skip is not None and not skip.is_empty():
        rows = rows.filter(~pl.col("line").is_in(skip.implode()))
    if not rows.is_empty():
        at = rows.get_column("at")
        batch.frame = _take(rows.drop("at"), today, batch, lambda p: chunk.row_at(at[p]))
    if chunk.broken is not None:
        line, message = chunk.broken
        _error(batch, line, "bestand", message, None)
    return batch


def _take(
    rows: pl.DataFrame, today: date, batch: Batch, row_at: Callable[[int], Row]
) -> pl.DataFrame:
    """The accepted signals: the clean rows as columns, the others row by row (their issues
    added to `batch`)."""
    clean, others = split_clean(rows, today)
    signals: list[ParsedSignal] = []
    warned: set[int] = set()
    for at in others:
        line, row = row_at(at)
        if "__error__" in row:
            _error(batch, line, "regel", row["__error__"], row)
            continue
        # A short or long row's fields may have slid into the wrong columns: its note goes
        # also beside the rejection that often follows (an unquoted comma-decimal amount).
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
    return pl.concat([clean, as_frame(signals, warned)])


def _error(batch: Batch, line: int, column: str, message: str, raw: dict[str, str] | None) -> None:
    batch.rejected += 1
    # What the partner sent (so a person can repair it), without the reader's notes.
    clean = None if raw is None else {k: v for k, v in raw.items() if not k.startswith("__")}
    batch.issues.append(
        {"severity": "error", "line": line, "field": column, "message": message, "raw": clean}
    )


def _warn(batch: Batch, line: int, column: str, message: str) -> None:
    # An unknown column or DDAS key is named in full in the message, its start in `field`.
    field = column[:FIELD_CHARS]
    batch.issues.append(
        {"severity": "warning", "line": line, "field": field, "message": message, "raw": None}
    )
