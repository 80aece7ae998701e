"""The intake's regrouping (signals/ordering.py): sorted runs through a temporary file, the
file's repeated ids, and batches of whole households."""

from __future__ import annotations

import random
from datetime import date

import pytest

import signals.ordering
from signals.batching import Batch
from signals.ordering import Regrouped, SortedRuns, content_order
from signals.validate import ParsedSignal


@pytest.fixture(autouse=True)
def _small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals.ordering, "RUN_SIZE", 7)
    monkeypatch.setattr(signals.ordering, "BLOCK", 2)


def signal(line: int, ptype: str, sid: str, huisnummer: str, day: int) -> ParsedSignal:
    return ParsedSignal(
        line, ptype, sid, None, 10_000, date(2026, 11, day), None, False, False, None, None,
        None, None, "Jansen", None, None, huisnummer, "", "1234AB", None, None, None, None, None,
    )  # fmt: skip


def test_runs_come_back_merged_in_order() -> None:
    values = [(random.Random(5).randrange(1000), n) for n in range(100)]
    runs = SortedRuns()
    for value in values:
        runs.add(value)
    assert list(runs.merged()) == sorted(values)
    runs.close()


def test_a_later_line_with_the_same_id_is_a_repeat() -> None:
    regrouped = Regrouped()
    batch = Batch()
    batch.signals = [
        signal(9, "Huur", "A", "1", 3),
        signal(2, "Huur", "A", "2", 5),  # the first in the file: taken in
        signal(4, "Energie", "A", "1", 3),  # another partner type: another signal
        signal(7, "Huur", "A", "3", 1),
    ]
    regrouped.add(batch)
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
        batch = Batch()
        batch.signals = rows[start : start + 13]
        batch.warned_lines = {s.line for s in batch.signals if s.line % 10 == 0}
        regrouped.add(batch)
    batches = list(regrouped.batches(8, skip={5}))
    seen: list[str] = []
    for batch in batches[:-1]:
        assert len(batch.signals) >= 8
    for batch in batches:
        houses = [s.huisnummer or "" for s in batch.signals]
        assert houses == sorted(houses)  # a household's signals together ...
        assert not set(houses) & set(seen)  # ... and in one batch only
        seen += houses
        for house in set(houses):
            mine = [s for s in batch.signals if s.huisnummer == house]
            assert mine == sorted(mine, key=content_order)
        assert batch.warned_lines == {s.line for s in batch.signals if s.line % 10 == 0}
    assert sorted(s.line for b in batches for s in b.signals) == [
        n + 2 for n in range(60) if n != 3
    ]
