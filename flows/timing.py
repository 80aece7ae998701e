"""When things happen: waits, task windows and dayparts, all on the municipality's calendar.

Thin, pure helpers over `clock.Calendar` (which owns working days, holidays, contact hours and
DST); they only add the rules that belong to the flows, such as "due at the end of the N-th
working day" or "another daypart than the ones already tried".
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from clock import DAYPARTS, Calendar
from flows.ddas import DAGDELEN


def send_slot(cal: Calendar, now: datetime) -> datetime:
    """The first moment a message may go out: now, or the next opening of contact hours."""
    return cal.next_contact_slot(now)


def wait_until(cal: Calendar, anchor: datetime, working_days: int, hours: float) -> datetime:
    """`working_days` later at the same local time, plus `hours` of clock time.

    The anchor is when the resident could first have seen our message (its send slot), so
    "three working days without a reply" counts from the message, not from the decision.
    """
    moment = cal.add_working_days_at(anchor, working_days) if working_days else cal.local(anchor)
    return moment + timedelta(hours=hours)


def _window(cal: Calendar, daypart: str | None) -> tuple[time, time]:
    if daypart is not None:
        return DAYPARTS[daypart]
    return cal.contact.start, cal.contact.end


def _first_open_day(cal: Calendar, day: date, now: datetime, end: time) -> date:
    """`day`, or the next working day on which the window has not closed yet at `now`."""
    day = cal.add_working_days(day, 0)
    while cal.at(day, end) <= now:
        day = cal.add_working_days(day, 1)
    return day


def task_window(
    cal: Calendar,
    now: datetime,
    start_working_days: int,
    due_working_days: int,
    daypart: str | None,
) -> tuple[datetime, datetime]:
    """(not_before, due) for a task: from the start day, due at the end of the due day.

    With a daypart, the window is that daypart; without, the contact hours of the day.
    """
    start_clock, end_clock = _window(cal, daypart)
    today = cal.local_date(now)
    first = _first_open_day(cal, cal.add_working_days(today, start_working_days), now, end_clock)
    not_before = max(cal.local(now), cal.at(first, start_clock))
    due_day = max(cal.add_working_days(today, due_working_days), first)
    return not_before, cal.at(due_day, end_clock)


def callback_window(
    cal: Calendar, now: datetime, daypart: str, *, later_day: bool = False
) -> tuple[datetime, datetime]:
    """The first whole chosen daypart still ahead on a working day (from the next working day
    when `later_day`): a resident who says "ochtend" at 11:50 gets tomorrow morning, not ten
    rushed minutes."""
    start_clock, end_clock = DAYPARTS[daypart]
    day = cal.add_working_days(cal.local_date(now), 1 if later_day else 0)
    while cal.at(day, start_clock) <= now:
        day = cal.add_working_days(day, 1)
    return cal.at(day, start_clock), cal.at(day, end_clock)


def other_daypart(tried: Iterable[str | None]) -> str | None:
    """A daypart not tried yet, preferring the one after the last try (Ochtend -> Middag ->
    Avond -> Ochtend). None when nothing is known about earlier tries."""
    done = [d for d in tried if d in DAGDELEN]
    if not done:
        return None
    start = DAGDELEN.index(done[-1]) + 1
    rotation = [DAGDELEN[(start + i) % len(DAGDELEN)] for i in range(len(DAGDELEN))]
    return next((d for d in rotation if d not in done), rotation[0])


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, _months.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
