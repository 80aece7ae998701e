"""Weekends, Dutch holidays and daylight-saving changes, through the engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows import Planned, Reply, SendMessage
from flows.timing import add_months, callback_window, other_daypart, task_window, wait_until
from tests.flows.flows_kit import CAL, at, new_case


def _first_message(now: datetime) -> SendMessage:
    case = new_case(now)
    [message] = case.of(case.apply(Planned()), SendMessage)
    return message


def test_a_send_planned_saturday_night_goes_out_monday_morning() -> None:
    assert _first_message(at(2025, 3, 8, 21)).not_before == at(2025, 3, 10, 9)


def test_saturday_daytime_is_contact_time_but_not_a_working_day() -> None:
    case = new_case(at(2025, 3, 8, 11))  # Saturday 11:00
    [message] = case.of(case.apply(Planned()), SendMessage)
    assert message.not_before == at(2025, 3, 8, 11)
    # Three working days counted from the message: Mon, Tue, Wed.
    assert case.timer is not None and case.timer.due == at(2025, 3, 12, 11)


def test_sunday_and_early_morning() -> None:
    assert _first_message(at(2025, 3, 9, 12)).not_before == at(2025, 3, 10, 9)
    assert _first_message(at(2025, 3, 10, 7, 30)).not_before == at(2025, 3, 10, 9)
    assert _first_message(at(2025, 3, 10, 20)).not_before == at(2025, 3, 11, 9)


def test_now_in_utc_is_read_in_the_municipality_zone() -> None:
    # 19:30 UTC on a March Monday is 20:30 in Amsterdam: too late for a message.
    message = _first_message(datetime(2025, 3, 10, 19, 30, tzinfo=UTC))
    assert message.not_before == at(2025, 3, 11, 9)


def test_a_reminder_due_over_easter_skips_good_friday_and_easter_monday() -> None:
    case = new_case(at(2025, 4, 17, 10))  # Maundy Thursday
    case.apply(Planned())
    assert case.timer is not None and case.timer.due == at(2025, 4, 24, 10)
    [reminder] = case.of(case.fire(), SendMessage)
    assert reminder.not_before == at(2025, 4, 24, 10)


def test_a_reminder_due_over_christmas_and_new_year() -> None:
    case = new_case(at(2025, 12, 23, 10))
    case.apply(Planned())
    assert case.timer is not None and case.timer.due == at(2025, 12, 30, 10)
    case.fire()
    assert case.timer.due == at(2026, 1, 2, 10)  # 31 Dec, (1 Jan), 2 Jan


def test_kings_day_on_a_saturday_is_no_contact_day() -> None:
    # 2025: Koningsdag falls on Saturday 26 April (the 27th is a Sunday).
    assert _first_message(at(2025, 4, 25, 20, 30)).not_before == at(2025, 4, 28, 9)


def test_dst_spring_forward_keeps_local_time() -> None:
    case = new_case(at(2026, 3, 27, 10))  # Friday before the last Sunday of March
    first = case.of(case.apply(Planned()), SendMessage)[0]
    assert first.not_before.utcoffset() == timedelta(hours=1)
    timer = case.timer
    assert timer is not None and timer.due == at(2026, 4, 1, 10)
    assert timer.due.utcoffset() == timedelta(hours=2)
    assert timer.due.astimezone(UTC).hour == 8
    # Then Easter 2026: Thursday 2, (Good Friday 3, Easter Monday 6), Tuesday 7 April.
    case.fire()
    assert case.timer is not None and case.timer.due == at(2026, 4, 7, 10)


def test_dst_fall_back_keeps_local_time() -> None:
    case = new_case(at(2026, 10, 23, 10))
    case.apply(Planned())
    assert case.timer is not None and case.timer.due == at(2026, 10, 28, 10)
    assert case.timer.due.utcoffset() == timedelta(hours=1)
    assert case.timer.due.astimezone(UTC).hour == 9


def test_the_dst_night_itself() -> None:
    # 02:30 on 29 March 2026 does not exist in Amsterdam; a send decided then waits for Monday.
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert _first_message(moment).not_before == at(2026, 3, 30, 9)
    assert at(2026, 3, 30, 9).utcoffset() == timedelta(hours=2)


def test_a_callback_daypart_across_the_dst_weekend() -> None:
    case = new_case(at(2026, 3, 28, 15))  # Saturday
    case.apply(Planned())
    case.apply(Reply("1"))
    [callback] = case.created(case.apply(Reply("ochtend")))
    assert callback.not_before == at(2026, 3, 30, 9) and callback.due == at(2026, 3, 30, 12)
    assert callback.not_before.astimezone(UTC).hour == 7


def test_task_windows_never_end_before_they_start() -> None:
    for hour in (0, 8, 9, 12, 17, 19, 20, 23):
        for day in range(1, 15):
            now = at(2025, 4, day, hour)
            for daypart in (None, "Ochtend", "Middag", "Avond"):
                start, due = task_window(CAL, now, 0, 0, daypart)
                assert now <= start < due
                assert CAL.is_working_day(due.date())
                start, due = callback_window(CAL, now, daypart or "Middag")
                assert now < start < due and CAL.is_working_day(start.date())


def test_wait_until_with_hours() -> None:
    assert wait_until(CAL, at(2025, 3, 3, 10), 0, 4) == at(2025, 3, 3, 14)
    assert wait_until(CAL, at(2025, 3, 7, 10), 1, 2.5) == at(2025, 3, 10, 12, 30)


def test_other_daypart_rotates_through_the_untried_ones() -> None:
    assert other_daypart([]) is None
    assert other_daypart(["Ochtend"]) == "Middag"
    assert other_daypart(["Avond"]) == "Ochtend"
    assert other_daypart(["Middag", "Avond"]) == "Ochtend"
    assert other_daypart(["Ochtend", "Middag", "Avond"]) == "Ochtend"
    assert other_daypart([None, "Middag"]) == "Avond"


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(at(2025, 8, 31), 6) == at(2026, 2, 28)
    assert add_months(at(2025, 3, 15), 6) == at(2025, 9, 15)
    assert add_months(at(2025, 11, 30), 3) == at(2026, 2, 28)
