"""Plain CSV files read in chunks straight into polars frames, without a row in Python (pass 1
on 200,000 rows: 15 instead of 21 µs per row).

A file is *plain* when it holds no quote and no NUL, is UTF-8 and ends its lines with `\\n` or
`\\r\\n` only, as most exports do: the csv module then just splits each line at every
delimiter, so polars gives the same rows and line numbers. A line that is not a full row of
the header's width (blank, short, long, over the field limit) still goes through the csv
module and `CsvHeader.row`. Chunks count lines, blank ones too, not rows: pass 2 regroups by
household anyway.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import polars as pl

from signals.columnar import SCHEMA, rows_frame
from signals.reader import CsvHeader, FileWarning, csv_header

BLOCK = 1 << 20


def is_plain(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    carriage = False  # the block before ended in \r
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            if b'"' in block or b"\x00" in block or (carriage and not block.startswith(b"\n")):
                return False
            carriage = block.endswith(b"\r")
            if block.count(b"\r") != block.count(b"\r\n") + carriage:
                return False  # a lone \r ends a line for the csv module
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not carriage


def plain_chunks(
    path: Path, lines: int, warnings: list[FileWarning]
) -> tuple[CsvHeader, Iterator[pl.DataFrame]]:
    """The header (read now: a missing column raises `Unreadable` before anything is
    stored) and the file's rows as frames like `columnar.rows_frame`'s, `lines` lines each."""
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        header = csv_header(handle.readline(), warnings)
    except BaseException:
        handle.close()
        raise

    def chunks() -> Iterator[pl.DataFrame]:
        with handle:
            first = 2
            while chunk := list(islice(handle, lines)):
                yield _rows(chunk, first, header)
                first += len(chunk)

    return header, chunks()


def _rows(chunk: list[str], first: int, header: CsvHeader) -> pl.DataFrame:
    text = pl.Series("text", chunk, dtype=pl.String).str.strip_chars_end("\r\n")
    split = (
        pl.DataFrame({"text": text})
        .with_row_index("line", offset=first)
        .with_columns(
            pl.col("text").str.split(header.delimiter).alias("values"),
            pl.col("line").cast(pl.Int64),
        )
    )
    full = (pl.col("values").list.len() == header.width) & (
        pl.col("text").str.len_chars() <= csv.field_size_limit()
    )
    regular = split.filter(full).select(
        "line",
        # A column named twice: the last one counts, as in the reader's rows.
        *(pl.col("values").list.get(i).alias(name) for name, i in header.places.items()),
    )
    rest = []
    for line, text in split.filter(~full).select("line", "text").iter_rows():
        try:
            row = header.row(next(csv.reader([text], delimiter=header.delimiter), []))
        except csv.Error as exc:
            row = {"__error__": f"onleesbare regel: {exc}"}
        if row is not None:
            rest.append((line, row))
    absent = (pl.lit(None, dtype=pl.String).alias(c) for c in SCHEMA if c not in header.kept)
    frames = [regular.with_columns(absent)]
    if rest:
        frames.append(rows_frame(rest))
    return pl.concat([f.select(*SCHEMA, "line") for f in frames]).sort("line")
