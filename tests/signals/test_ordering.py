"""The intake's regrouping (signals/ordering.py): households through bucket files, the file's
repeated ids, and batches of whole households."""

from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import signals.ordering
from signals.columnar import as_frame
from signals.ordering import HOUSEHOLD, Regrouped
from signals.validate import ParsedSignal


@pytest.fixture(autouse=True, params=(7, 1000))
def _spill_at(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Through bucket files on disk (7), and all in memory (1000)."""
    monkeypatch.setattr(signals.ordering, "SPILL_ROWS", request.param)


def signal(line: int, ptype: str, sid: str, huisnummer: str, day: int) -> ParsedSignal:
    return ParsedSignal(
        line, ptype, sid, None, 10_000, date(2026, 11, day), None, False, False, None, None,
        None, None, "Jansen", None, None, huisnummer, "", "1234AB", None, None, None, None, None,
    )  # fmt: skip


def content_order(s: ParsedSignal) -> tuple[date, str, str]:
    """`signals.ordering.ORDER` within one household."""
    return (s.signal_date, s.partner_type, s.partner_signal_id)


def framed(signals: list[ParsedSignal], warned: set[int]) -> pl.DataFrame:
    """Signals as pass 1 hands them over: `Batch.frame`'s columns and their household."""
    return as_frame(signals, warned).with_columns(HOUSEHOLD.alias("household"))


def signals_of(frame: pl.DataFrame) -> list[ParsedSignal]:
    return [ParsedSignal(*row) for row in frame.select(ParsedSignal.__slots__).iter_rows()]


def test_a_later_line_with_the_same_id_is_a_repeat() -> None:
    regrouped = Regrouped()
    signals = [
        signal(9, "Huur", "A", "1", 3),
        signal(2, "Huur", "A", "2", 5),  # the first in the file: taken in
        signal(4, "Energie", "A", "1", 3),  # another partner type: another signal
        signal(7, "Huur", "A", "3", 1),
    ]
    regrouped.add(framed(signals, set()))
    assert regrouped.repeated_lines() == {7, 9}
    regrouped.close()


def test_batches_hold_whole_households_in_content_order() -> None:
    rng = random.Random(11)
    rows = [
        signal(n + 2, rng.choice(["Huur", "Water"]), f"S{n}", str(rng.randrange(1, 6)), 1 + n % 9)
        for n in range(60)
    ]
    regrouped = Regrouped()
    for start in range(0, 60, 13):  # in file order, in batches of any size
        part = rows[start : start + 13]
        regrouped.add(framed(part, {s.line for s in part if s.line % 10 == 0}))
    frames = list(regrouped.batches(8, skip={5}))
    batches = [signals_of(frame) for frame in frames]
    seen: list[str] = []
    for batch in batches[:-1]:
        assert len(batch) >= 8
    for batch, frame in zip(batches, frames, strict=True):
        houses = [s.huisnummer or "" for s in batch]
        starts = [h for n, h in enumerate(houses) if n == 0 or houses[n - 1] != h]
        assert len(starts) == len(set(starts))  # a household's signals together ...
        assert not set(houses) & set(seen)  # ... and in one batch only
        seen += houses
        for house in set(houses):
            mine = [s for s in batch if s.huisnummer == house]
            assert mine == sorted(mine, key=content_order)
        warned = set(frame.filter("warned").get_column("line"))
        assert warned == {s.line for s in batch if s.line % 10 == 0}
    assert sorted(s.line for b in batches for s in b) == [n + 2 for n in range(60) if n != 3]


def test_spilled_signals_leave_no_named_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """What spills to disk (names, addresses, BSNs) has no name there: a killed intake, which
    runs no clean-up, leaves nothing behind."""
    monkeypatch.setattr(signals.ordering, "SPILL_ROWS", 2)

    def ours() -> set[Path]:
        return set(Path(tempfile.gettempdir()).glob("zaadje-intake-*"))

    before = ours()
    regrouped = Regrouped()
    regrouped.add(framed([signal(n, "Huur", f"S{n}", str(n), 3) for n in range(2, 9)], set()))
    assert ours() == before
    assert sum(b.height for b in regrouped.batches(3, skip=set())) == 7
