"""Where "now" comes from: the real clock in UTC, or a fixed one that stands still until moved
(`--now` replays and the tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clock import FixedClock, SystemClock


def test_the_system_clock_is_timezone_aware_and_current() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_a_fixed_clock_stands_still_until_it_is_set() -> None:
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clock = FixedClock(moment)
    assert clock.now() == moment and clock.now() == moment
    clock.set(moment + timedelta(days=3))
    assert clock.now() == moment + timedelta(days=3)


def test_a_fixed_clock_refuses_a_moment_without_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 11, 2, 9, 0))
