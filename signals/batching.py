"""Rows of a file → validated batches, with no database in sight.

The intake's first pass: a batch carries everything the summary needs (counts, rejected rows
and warnings in file order) and the signals that the second pass regroups by household
(`signals.ordering`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from signals.reader import FileWarning, Row, Unreadable, open_rows
from signals.validate import ParsedSignal, Rejected, validate_row


@dataclass
class Batch:
    signals: list[ParsedSignal] = field(default_factory=list)
    warned_lines: set[int] = field(default_factory=set)
    # Errors and warnings in file order, as stored in ingest_issues.
    issues: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    rejected: int = 0

    def __len__(self) -> int:
        return len(self.signals) + len(self.issues)


def check_readable(path: Path, fmt: str | None) -> None:
    """Raise `Unreadable` if the file cannot be read at all (nothing may be written then)."""
    rows = open_rows(path, fmt, [])
    try:
        next(rows, None)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path}: not UTF-8 text") from exc
    finally:
        rows.close()


def read_batches(path: Path, fmt: str | None, today: date, batch_size: int) -> Iterator[Batch]:
    """The file's rows, validated, in batches of about `batch_size` signals and issues."""
    warnings: list[FileWarning] = []
    # open_rows fills `warnings` (unknown columns) when it reads the header, i.e. on the
    # first row, before validated_batches looks at them for the first batch.
    rows = open_rows(path, fmt, warnings)
    first = next(rows, None)

    def all_rows() -> Iterator[Row]:
        if first is not None:
            yield first
        yield from rows

    return validated_batches(all_rows(), today, batch_size, warnings)


def validated_batches(
    rows: Iterable[Row],
    today: date,
    batch_size: int,
    file_warnings: list[tuple[int, str, str]],
) -> Iterator[Batch]:
    """Batches of at most `batch_size` signals + issues; the last one may be empty."""
    batch = Batch()
    for line, column, message in file_warnings:
        _warn(batch, line, column, message)
    last_line = 0
    try:
        for line, row in rows:
            last_line = line
            batch.received += 1
            take_row(row, line, today, batch)
            if len(batch) >= batch_size:
                yield batch
                batch = Batch()
    except Unreadable as exc:
        # The file breaks off part-way: what came before it is kept, and the unreadable rest
        # counts as one received, rejected row (so received = accepted + rejected + …).
        batch.received += 1
        _error(batch, last_line + 1, "bestand", f"bestand breekt af: {exc}", None)
    yield batch


def take_row(row: dict[str, str], line: int, today: date, batch: Batch) -> None:
    if "__error__" in row:
        _error(batch, line, "regel", row["__error__"], row)
        return
    row_warnings: list[tuple[int, str, str]] = []
    try:
        parsed = validate_row(row, line, today, row_warnings)
    except Rejected as exc:
        _error(batch, line, exc.field, exc.message, row)
        return
    if "__short__" in row:
        row_warnings.append((line, "regel", row["__short__"]))
    if "__long__" in row:
        row_warnings.append((line, "regel", row["__long__"]))
    if row_warnings:
        for w_line, column, message in row_warnings:
            _warn(batch, w_line, column, message)
        batch.warned_lines.add(line)
    batch.signals.append(parsed)


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
    batch.issues.append(
        {"severity": "warning", "line": line, "field": column, "message": message, "raw": None}
    )
