"""`signals.deciding.decide` (a batch, as polars set operations) decides what the rules one
signal at a time (`tests/signals/one_at_a_time.py`) decide when the file's signals are fed to
them in content order: the old `decide_in_order` loop, kept here as the oracle. Small domains,
so that same months, same dates, same partners and amounts around the minimum collide often."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from signals import deciding
from signals.patterns import (
    MEERVOUDIG,
    OPEENVOLGEND,
    SUPPRESSED_REPEAT,
    SUPPRESSED_SMALL,
    months_back,
)
from signals.storing import HISTORY
from tests.signals.one_at_a_time import Decision, Known, decide

MINIMUM = 5000


class Row(NamedTuple):  # a file signal, in the columns `deciding.decide` reads
    household_id: int
    partner_type: str
    partner_name: str | None
    signal_date: date
    amount_cents: int
    partner_signal_id: str


Stored = tuple[int, int, str, str | None, date, int, str]  # id, household, ..., pattern
Outcome = tuple[str, str | None, bool]  # pattern, suppressed_reason, grew
STORED_SCHEMA = HISTORY


def content_key(s: Row) -> tuple[int, date, str, str]:
    """Content order: household, date, partner type, the partner's signal id."""
    return (s.household_id, s.signal_date, s.partner_type, s.partner_signal_id)


def reference(
    rows: list[Row], stored: list[Stored], minimum: int, lookback: int
) -> tuple[dict[str, Outcome], list[int]]:
    """The old `decide_in_order`: each signal against the stored ones and the file's before it."""
    history: defaultdict[int, list[Known]] = defaultdict(list)
    for ref, hh, ptype, pname, day, amount, pattern in stored:
        history[hh].append(Known(ref, (ptype, pname or ""), day, amount, pattern))
    retro: set[int] = set()
    out: dict[str, tuple[Known, Decision]] = {}
    for s in sorted(rows, key=content_key):
        known = history[s.household_id]
        partner = (s.partner_type, s.partner_name or "")
        d = decide(known, partner, s.signal_date, s.amount_cents, minimum, lookback)
        retro.update(d.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, d.pattern)
        known.append(mine)
        out[s.partner_signal_id] = (mine, d)  # a later signal may still make `mine` meervoudig
    return {k: (m.pattern, d.suppressed_reason, d.grew) for k, (m, d) in out.items()}, sorted(retro)


def check(
    rows: list[Row], stored: list[Stored], lookback: int = 6
) -> tuple[dict[str, Outcome], list[int]]:
    """Run both on the same input (rows put in content order, as the caller does), assert that
    they agree and that the input columns come back unchanged; returns the batch's answer."""
    rows = sorted(rows, key=content_key)
    frame = pl.DataFrame(
        [r._asdict() for r in rows],
        schema={
            **{k: v for k, v in STORED_SCHEMA.items() if k in Row._fields},
            "partner_signal_id": pl.String,
        },
        orient="row",
    ).with_columns(note=pl.format("carried {}", pl.col("partner_signal_id")))  # another column
    got, got_retro = deciding.decide(
        frame, pl.DataFrame(stored, schema=STORED_SCHEMA, orient="row"), MINIMUM, lookback
    )
    # Same rows, same order, every input column unchanged.
    assert got.select(frame.columns).equals(frame)
    answer = {
        r["partner_signal_id"]: (r["pattern"], r["suppressed_reason"], r["grew"])
        for r in got.iter_rows(named=True)
    }
    expected, expected_retro = reference(rows, stored, MINIMUM, lookback)
    assert answer == expected
    assert got_retro == expected_retro
    return answer, got_retro


# Dates over 14 months: the 1st, the 15th and the last of each month (31 Aug, 29 Feb 2024,
# 31 Jan: month ends where "6 months back" has to clamp the day).
DATES = sorted(
    date(y, m, day) if day else date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)
    for y, m in [(2023, 12)] + [(2024, m) for m in range(1, 13)] + [(2025, 1)]
    for day in (1, 15, 0)
)
TYPES = ("Huur", "Energie", "Water")
NAMES = (None, "", "A", "B")
AMOUNTS = (1000, 4999, 5000, 7000, 7000, 9000)  # around the minimum; 7000 often repeated


@st.composite
def inputs(draw: st.DrawFn) -> tuple[list[Row], list[Stored], int]:
    lookback = draw(st.sampled_from((6, 6, 1, 12)))
    households = draw(st.integers(1, 4))
    types = draw(st.sampled_from((TYPES[:2], TYPES)))
    # A few dates per example, so that same dates (and same months) keep coming back.
    dates = draw(st.lists(st.sampled_from(DATES), min_size=1, max_size=5, unique=True))
    signal = st.tuples(
        st.integers(1, households),
        st.sampled_from(types),
        st.sampled_from(NAMES),
        st.sampled_from(dates),
        st.sampled_from(AMOUNTS),
    )
    rows = [Row(*t, f"S{i}") for i, t in enumerate(draw(st.lists(signal, min_size=1, max_size=12)))]
    # Stored: what the caller loads, from the look-back of the oldest file signal on; that
    # includes stored signals dated after the file's.
    since = months_back(min(r.signal_date for r in rows), lookback)
    later = [d for d in DATES if d >= since]
    old = st.tuples(
        st.integers(1, households),
        st.sampled_from(types),
        st.sampled_from(NAMES),
        st.sampled_from([d for d in dates if d >= since] or later) | st.sampled_from(later),
        st.sampled_from(AMOUNTS),
        st.sampled_from(("enkelvoudig", "meervoudig", "opeenvolgend")),
    )
    stored = [(i + 1, *t) for i, t in enumerate(draw(st.lists(old, max_size=10)))]
    return rows, stored, lookback


@settings(max_examples=300, deadline=None)
@given(inputs())
def test_batch_decides_as_one_at_a_time(case: tuple[list[Row], list[Stored], int]) -> None:
    rows, stored, lookback = case
    check(rows, stored, lookback)


def test_later_other_partner_in_the_month_makes_an_earlier_one_meervoudig() -> None:
    # S1 is decided before S2 exists; S2 (another partner, same month) makes it meervoudig.
    rows = [
        Row(1, "Huur", None, date(2024, 3, 1), 7000, "S1"),
        Row(1, "Energie", "A", date(2024, 3, 31), 7000, "S2"),
    ]
    answer, retro = check(rows, [])
    assert answer == {"S1": (MEERVOUDIG, None, False), "S2": (MEERVOUDIG, None, False)}
    assert retro == []


def test_repeat_on_the_same_date_compares_with_the_first_stored() -> None:
    # Two stored signals of the same partner on the same date (None and "" are the same name):
    # the first stored (7000) counts, so 6000 is a repeat, not growth over 5000.
    stored: list[Stored] = [
        (1, 1, "Huur", None, date(2024, 3, 10), 7000, "enkelvoudig"),
        (2, 1, "Huur", "", date(2024, 3, 10), 5000, "enkelvoudig"),
    ]
    answer, _ = check([Row(1, "Huur", "", date(2024, 3, 10), 6000, "S1")], stored)
    assert answer == {"S1": ("enkelvoudig", SUPPRESSED_REPEAT, False)}


def test_small_signal_that_grew_is_suppressed_as_small_and_still_grew() -> None:
    stored: list[Stored] = [(1, 1, "Huur", "A", date(2024, 2, 29), 1000, "enkelvoudig")]
    answer, _ = check([Row(1, "Huur", "A", date(2024, 3, 1), 4999, "S1")], stored)
    assert answer == {"S1": (OPEENVOLGEND, SUPPRESSED_SMALL, True)}


def test_stored_signal_made_meervoudig_retroactively() -> None:
    # Stored 7 (enkelvoudig) turns meervoudig and is reported; 8 already was; 9 is another
    # household's.
    stored: list[Stored] = [
        (7, 1, "Huur", None, date(2024, 3, 5), 7000, "enkelvoudig"),
        (8, 1, "Water", None, date(2024, 3, 6), 7000, MEERVOUDIG),
        (9, 2, "Huur", None, date(2024, 3, 5), 7000, "enkelvoudig"),
    ]
    answer, retro = check([Row(1, "Energie", None, date(2024, 3, 31), 9000, "S1")], stored)
    assert answer == {"S1": (MEERVOUDIG, None, False)}
    assert retro == [7]


def test_empty_stored() -> None:
    # No stored signals at all: a 0-row frame of the right schema.
    rows = [
        Row(1, "Huur", "A", date(2024, 1, 31), 7000, "S1"),
        Row(1, "Huur", "A", date(2024, 8, 31), 7000, "S2"),  # repeat within 12 months back
        Row(2, "Water", None, date(2024, 8, 31), 9000, "S3"),
    ]
    answer, retro = check(rows, [], lookback=12)
    assert answer["S2"] == (OPEENVOLGEND, SUPPRESSED_REPEAT, False)
    assert answer["S3"] == ("enkelvoudig", None, False)
    assert retro == []
