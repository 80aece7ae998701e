"""Reporting periods: whole local days, the previous month by default, months as a length."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.period import Period, PeriodError, period_from

AMS = ZoneInfo("Europe/Amsterdam")


def test_without_dates_the_period_is_the_previous_calendar_month() -> None:
    period = period_from(None, None, date(2026, 3, 10), AMS)
    assert (period.start, period.end) == (date(2026, 2, 1), date(2026, 2, 28))
    january = period_from(None, None, date(2026, 1, 1), AMS)
    assert (january.start, january.end) == (date(2025, 12, 1), date(2025, 12, 31))


def test_a_missing_end_is_today_and_a_missing_start_the_first_of_that_month() -> None:
    assert period_from("2026-01-15", None, date(2026, 3, 10), AMS).end == date(2026, 3, 10)
    assert period_from(None, "2026-02-20", date(2026, 3, 10), AMS).start == date(2026, 2, 1)


def test_days_are_local_days_at_both_ends() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30), AMS)
    first, after = period.utc_bounds
    assert first == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert after == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert period.contains(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 Nov
    assert not period.contains(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 Dec
    summer = Period(date(2026, 7, 1), date(2026, 7, 1), AMS)
    assert summer.utc_bounds[0] == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


def test_the_length_in_months_counts_each_month_by_its_share_of_days() -> None:
    assert Period(date(2026, 1, 1), date(2026, 3, 31), AMS).months == pytest.approx(3.0)
    assert Period(date(2026, 2, 1), date(2026, 2, 14), AMS).months == pytest.approx(0.5)
    across = Period(date(2026, 1, 17), date(2026, 2, 14), AMS)
    assert across.months == pytest.approx(15 / 31 + 14 / 28)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13-01", "2026-12-31", "--from: not a date"),
        ("2026-01-01", "31-01-2026", "--to: not a date"),
        ("2026-02-01", "2026-01-31", "ends (2026-01-31) before it starts"),
    ],
)
def test_a_period_that_cannot_be_is_a_clear_error(start: str, end: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(")", r"\)")):
        period_from(start, end, date(2026, 3, 10), AMS)
