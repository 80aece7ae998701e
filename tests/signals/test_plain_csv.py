"""The fast path for plain CSV files (`signals.plain_csv`) against the csv-module path it
replaces: for every plain file, the same issues (incl. `raw` and its key order), the same counts
and the same accepted signals. Also which files `is_plain` lets through."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import signals.batching as batching
from signals.batching import Batch, read_chunks, row_chunks, validate
from signals.plain_csv import BLOCK, is_plain
from tests.signals.test_ingest_cli import HEADER, row

TODAY = date(2026, 11, 20)
BOM = b"\xef\xbb\xbf"


def old_path(path: Path, batch_size: int) -> list[Batch]:
    """read_batches' path for files that are not plain."""
    size = max(batch_size, batching.READ_ROWS)  # read at call time, as read_batches does
    return [validate(chunk, TODAY) for chunk in row_chunks(path, None, size)]


def signals_of(batches: list[Batch]) -> pl.DataFrame | None:
    frames = [b.frame for b in batches if b.frame is not None]
    return pl.concat(frames) if frames else None


def assert_same(path: Path, batch_size: int = 5000, ordered: bool = True) -> None:
    """Both paths on `path`. `ordered=False` compares the signals sorted by line: a batch's
    frame holds its clean rows before the checked ones, and the paths cut batches at
    different rows when blank lines come (see test_row_order_with_blank_lines)."""
    assert is_plain(path)  # else read_batches takes the old path and nothing is compared
    fast = [validate(chunk, TODAY) for chunk in read_chunks(path, None, batch_size)]
    old = old_path(path, batch_size)
    fast_issues = [i for b in fast for i in b.issues]
    old_issues = [i for b in old for i in b.issues]
    assert fast_issues == old_issues
    assert [list(i["raw"] or ()) for i in fast_issues] == [list(i["raw"] or ()) for i in old_issues]
    assert sum(b.received for b in fast) == sum(b.received for b in old)
    assert sum(b.rejected for b in fast) == sum(b.rejected for b in old)
    got, want = signals_of(fast), signals_of(old)
    if got is None or want is None:
        # No row at all: the fast path may still give an empty frame for blank lines.
        assert all(f is None or f.is_empty() for f in (got, want))
        return
    if not ordered:
        got, want = got.sort("line"), want.sort("line")
    assert got.to_dicts() == want.to_dicts()
    assert got.equals(want)


# Values the validator rejects or warns about, or that only the row validator understands.
ODD = [
    ("signaaldatum", "2026-02-30"),
    ("postcode", "12345"),
    ("id", ""),
    ("bedrag", "abc"),
    ("bedrag", "450"),
    ("bsn", "12345678"),
    ("telefoonnummer", "010 1234567"),
    ("achternaam", ""),
    ("achternaam", "Müller"),
    ("plaatsnaam", "Ĳsselstein"),
    ("straatnaam", "Dorpsstraat 🏡"),
    ("voorletters", "\u00a0P. "),
    ("signaalpartner", "huur"),
]
# Any text a plain file may hold (the delimiters are replaced when rendered).
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters='"\x00\r\n'), max_size=6)


@st.composite
def plain_files(draw: st.DrawFn) -> tuple[bytes, bool, bool]:
    """A plain file's bytes, whether it holds blank lines, and whether it is long."""
    sep = draw(st.sampled_from([";", ","]))
    columns = list(draw(st.permutations(HEADER)))
    if draw(st.booleans()):  # a column the contract does not know: warned about, ignored
        columns.insert(draw(st.integers(0, len(columns))), "opmerking")

    def fields(values: dict[str, str]) -> list[str]:
        # No quoting in a plain file: a value may not hold the delimiter.
        return [values.get(c, "nb").replace(sep, ".") for c in columns]

    line = st.one_of(
        st.builds(
            lambda odd, name: fields(row(**{"bedrag": "450.00", "voorvoegsel": name, **dict(odd)})),
            st.lists(st.sampled_from(ODD), max_size=3),
            TEXT,
        ).map(sep.join),
        st.sampled_from(["", " ", "\t ", sep * (len(columns) - 1)]),  # blank, or empty fields
        st.builds(lambda n: sep.join(fields(row(bedrag="450"))[:n]), st.integers(1, 17)),
        st.builds(lambda extra: sep.join(fields(row(bedrag="450")) + extra), st.lists(TEXT)),
    )
    lines = draw(st.lists(line, max_size=30))
    long = draw(st.integers(0, 3)) == 0
    if long:
        lines *= draw(st.integers(10, 30))  # several hundred rows: many chunks
    huge = draw(st.integers(0, 11))
    if huge < 2:  # a line over csv.field_size_limit(): one field over it, or many short ones
        values = fields(row(bedrag="450", achternaam="x" * 140_000))
        if huge == 1:
            values = fields(row(bedrag="450")) + ["y" * 10_000] * 15
        lines.insert(draw(st.integers(0, len(lines))), sep.join(values))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join([sep.join(columns), *lines]) + (eol if draw(st.booleans()) else "")
    blank = any(not line.strip() for line in lines)
    return (BOM if draw(st.booleans()) else b"") + text.encode(), blank, long


@settings(max_examples=60, deadline=None)
@given(plain_files(), st.booleans())
def test_fast_path_as_csv_module(
    tmp_path_factory: pytest.TempPathFactory, file: tuple[bytes, bool, bool], small: bool
) -> None:
    data, blank, long = file
    path = tmp_path_factory.mktemp("plain") / "signals.csv"
    path.write_bytes(data)
    # read_batches reads batching.READ_ROWS at call time and chunks by max(batch_size, it):
    # both must be small for a file to be read in many chunks.
    batch_size = 7 if small or long else 5000
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batching, "READ_ROWS", 7)
        assert_same(path, batch_size, ordered=not (blank and batch_size == 7))


def test_blank_lines_move_chunk_ends_not_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the property test: the fast path counts a blank line in a chunk, the old path
    does not, so a chunk holds other rows; in a batch's frame clean rows come before checked
    ones (here: line 2 lacks a name, so it is warned about), and the order differs. The
    signals are the same, and pass 2 regroups them by household anyway."""
    monkeypatch.setattr(batching, "READ_ROWS", 2)
    path = tmp_path / "s.csv"
    path.write_bytes(
        b"id,signaalpartner,bedrag,signaaldatum,postcode,huisnummer,achternaam\n"
        b"A,Huur,1,2026-11-02,1234AB,1,\n\nB,Huur,1,2026-11-02,1234AB,1,X\n"
    )
    assert_same(path, 2, ordered=False)


def test_column_named_twice(tmp_path: Path) -> None:
    """Found by the property test (the fast path failed): `telefoon` is an alias of
    `telefoonnummer`, so a header may name a column twice; the last one counts, as before."""
    path = tmp_path / "s.csv"
    path.write_bytes(b"id,id,signaalpartner,bedrag,signaaldatum,bsn\nA,B,Huur,1,2026-11-02,\n")
    assert_same(path)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    return path


HEAD = ";".join(HEADER).encode() + b"\n"
ROW = ";".join(row().values()).encode()


@pytest.mark.parametrize(
    "data",
    [
        HEAD + ROW.replace(b"Jansen", b'"Jansen"') + b"\n",
        HEAD + ROW.replace(b"Jansen", b"Jan\x00sen") + b"\n",
        HEAD + b"\xff" + ROW + b"\n",  # not UTF-8, near the start
        HEAD + (ROW + b"\n") * 700 + b"\xff\n",  # past the first 64 KB
        HEAD + (ROW + b"\n") * 12_000 + b"\xff\n",  # past the first 1 MiB block
        HEAD + ROW + b"\r" + ROW + b"\n",  # a lone \r ends a line for the csv module
        HEAD + ROW + b"\r",
        HEAD + ROW.replace(b"Jansen", b"M\xc3\xbcller") + b"\n" + b"M\xc3",  # character cut off
        HEAD + b"x" * (BLOCK - len(HEAD) - 1) + b"\rx\n",  # lone \r at a block's end
    ],
)
def test_not_plain(tmp_path: Path, data: bytes) -> None:
    assert not is_plain(write(tmp_path, data))


def test_bom_and_crlf_are_plain(tmp_path: Path) -> None:
    path = write(tmp_path, BOM + HEAD.replace(b"\n", b"\r\n") + ROW + b"\r\n" + ROW)
    assert_same(path)


def test_crlf_across_a_block_boundary(tmp_path: Path) -> None:
    """A 1 MiB block ends between \\r and \\n (the next block starts with the \\n)."""
    head = HEAD.replace(b"\n", b"\r\n")
    line = ROW + b"\r\n"
    count = (BLOCK - 1 - len(head)) // len(line) - 1
    rest = BLOCK - 1 - len(head) - count * len(line)  # the last row, up to its \r
    last = ROW.replace(b"Jansen", b"J" * (rest - len(ROW) + len(b"Jansen")))
    data = head + line * count + last + b"\r\n" + ROW + b"\r\n"
    assert data[BLOCK - 1 : BLOCK + 1] == b"\r\n"
    assert_same(write(tmp_path, data))


def test_multibyte_character_across_a_block_boundary(tmp_path: Path) -> None:
    head = HEAD + ROW + b"\n"
    data = head + b"x" * (BLOCK - len(head) - 1) + "ü".encode() + b"\n" + ROW + b"\n"
    assert data[BLOCK - 1 : BLOCK + 1] == "ü".encode()
    assert_same(write(tmp_path, data))
