"""The municipality's calendar (clock.Calendar): working days with Dutch public holidays,
contact hours in the municipality's zone, daylight-saving changes and dayparts. The flow
engine's use of it is tested in tests/flows/test_flows_calendar_edges.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clock import Calendar, ContactHours

CAL = Calendar()  # one instance: its holiday table is cached
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local Amsterdam moment."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 4, 18), "Goede Vrijdag"),
        (date(2025, 4, 21), "Tweede Paasdag"),
        (date(2025, 12, 25), "Eerste Kerstdag"),
        (date(2025, 12, 26), "Tweede Kerstdag"),
        (date(2026, 1, 1), "Nieuwjaarsdag"),
        (date(2025, 5, 29), "Hemelvaartsdag"),
    ],
)
def test_a_public_holiday_on_a_weekday_is_no_working_day(day: date, why: str) -> None:
    assert day.isoweekday() <= 5, why
    assert CAL.is_holiday(day) and not CAL.is_working_day(day), why
    assert not CAL.is_contact_day(day), why  # and no message goes out on it


def test_working_days_are_monday_to_friday() -> None:
    week = [date(2025, 3, 3) + timedelta(days=i) for i in range(7)]  # Monday 3 March 2025
    assert [CAL.is_working_day(d) for d in week] == [True] * 5 + [False] * 2
    # Messages may go out on Saturday, not on Sunday.
    assert [CAL.is_contact_day(d) for d in week] == [True] * 6 + [False]


def test_counting_working_days_skips_easter_and_christmas() -> None:
    # Maundy Thursday + 3: (Good Friday), (weekend), (Easter Monday), Tue, Wed, Thu.
    assert CAL.add_working_days(date(2025, 4, 17), 3) == date(2025, 4, 24)
    # 23 December + 3: 24, (25, 26, weekend), 29, 30.
    assert CAL.add_working_days(date(2025, 12, 23), 3) == date(2025, 12, 30)
    assert CAL.working_days_between(date(2025, 12, 23), date(2025, 12, 30)) == 3
    assert CAL.working_days_between(date(2025, 12, 30), date(2025, 12, 23)) == -3


def test_zero_working_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert CAL.add_working_days(date(2025, 3, 3), 0) == date(2025, 3, 3)  # a Monday
    assert CAL.add_working_days(date(2025, 3, 8), 0) == date(2025, 3, 10)  # Saturday
    assert CAL.add_working_days(date(2025, 4, 18), 0) == date(2025, 4, 22)  # Good Friday


@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
)
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_on(day: date, n: int) -> None:
    later = CAL.add_working_days(day, n)
    assert CAL.is_working_day(later)
    assert CAL.working_days_between(day, later) == n
    assert CAL.working_days_between(day, later - timedelta(days=1)) == n - 1


def test_a_closed_day_of_the_municipality_is_no_working_day() -> None:
    closed = Calendar(extra_closed_days=frozenset({date(2025, 3, 5)}))
    assert not closed.is_working_day(date(2025, 3, 5))
    assert closed.add_working_days(date(2025, 3, 4), 1) == date(2025, 3, 6)
    assert CAL.is_working_day(date(2025, 3, 5))  # an ordinary Wednesday elsewhere


def test_contact_hours_are_read_in_the_municipality_zone() -> None:
    # A March Monday: 18:30 UTC is 19:30 in Amsterdam (open), 19:30 UTC is 20:30 (closed).
    assert CAL.in_contact_hours(datetime(2025, 3, 10, 18, 30, tzinfo=UTC))
    assert not CAL.in_contact_hours(datetime(2025, 3, 10, 19, 30, tzinfo=UTC))
    assert CAL.in_contact_hours(at(2025, 3, 10, 9))
    assert not CAL.in_contact_hours(at(2025, 3, 10, 20))
    assert CAL.local_date(datetime(2025, 3, 10, 23, 30, tzinfo=UTC)) == date(2025, 3, 11)


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (at(2025, 3, 10, 12), at(2025, 3, 10, 12)),  # open now: now
        (at(2025, 3, 10, 7, 30), at(2025, 3, 10, 9)),  # early: at nine
        (at(2025, 3, 10, 20), at(2025, 3, 11, 9)),  # late: the next morning
        (at(2025, 3, 8, 21), at(2025, 3, 10, 9)),  # Saturday night: Monday morning
        (at(2025, 4, 25, 20, 30), at(2025, 4, 28, 9)),  # Koningsdag on Saturday 26 April
        (at(2025, 12, 24, 20, 30), at(2025, 12, 27, 9)),  # Christmas: the Saturday after
    ],
)
def test_the_next_contact_slot(moment: datetime, opening: datetime) -> None:
    assert CAL.next_contact_slot(moment) == opening


def test_the_night_the_clocks_go_forward() -> None:
    # 01:30 UTC on 29 March 2026 is 03:30 summer time, a Sunday: Monday 09:00 (UTC+2).
    slot = CAL.next_contact_slot(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert slot == at(2026, 3, 30, 9) and slot.utcoffset() == timedelta(hours=2)
    assert slot.astimezone(UTC).hour == 7


def test_working_days_later_keep_the_local_time_across_a_dst_change() -> None:
    spring = CAL.add_working_days_at(at(2026, 3, 27, 10), 3)  # Friday, winter time
    assert spring == at(2026, 4, 1, 10) and spring.utcoffset() == timedelta(hours=2)
    autumn = CAL.add_working_days_at(at(2026, 10, 23, 10), 3)  # Friday, summer time
    assert autumn == at(2026, 10, 28, 10) and autumn.utcoffset() == timedelta(hours=1)
    assert autumn.astimezone(UTC).hour == 9


@pytest.mark.parametrize(
    ("clock", "daypart"),
    [
        (time(8, 59), None),
        (time(9, 0), "Ochtend"),
        (time(11, 59), "Ochtend"),
        (time(12, 0), "Middag"),
        (time(17, 0), "Avond"),
        (time(19, 59), "Avond"),
        (time(20, 0), None),
    ],
)
def test_dayparts_are_the_ddas_ones(clock: time, daypart: str | None) -> None:
    assert CAL.daypart_of(CAL.at(date(2025, 3, 10), clock)) == daypart


def test_contact_hours_can_be_configured() -> None:
    always = Calendar(
        contact=ContactHours(
            start=time(0, 0),
            end=time(23, 59, 59),
            weekdays=frozenset(range(1, 8)),
            respect_holidays=False,
        )
    )
    assert always.in_contact_hours(at(2025, 3, 9, 3))  # a Sunday night
    assert always.in_contact_hours(at(2025, 12, 25, 12))  # Christmas Day
    assert not always.is_working_day(date(2025, 12, 25))  # working days stay as they are
    weekdays = Calendar(contact=ContactHours(weekdays=frozenset({1, 2, 3, 4, 5})))
    assert weekdays.next_contact_slot(at(2025, 3, 8, 11)) == at(2025, 3, 10, 9)
