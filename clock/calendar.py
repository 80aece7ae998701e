"""The municipality's calendar: working days, Dutch public holidays and contact hours.

Pure and I/O-free, so that signals (deadlines), flows (waits) and the scheduler (contact
hours) all reason about time the same way, and tests can use any fixed moment.
All moments are timezone-aware; the calendar converts to the municipality's zone itself,
which keeps daylight-saving changes correct (09:00 local stays 09:00 local).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

DAYPARTS: dict[str, tuple[time, time]] = {
    # DDAS EnumDagdeel; the boundaries are those Dutch teams use for call planning.
    "Ochtend": (time(9, 0), time(12, 0)),
    "Middag": (time(12, 0), time(17, 0)),
    "Avond": (time(17, 0), time(20, 0)),
}


@dataclass(frozen=True)
class ContactHours:
    """When automatic messages may reach a resident."""

    start: time = time(9, 0)
    end: time = time(20, 0)
    # ISO weekdays (Monday=1) on which messages may be sent at all.
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5, 6})
    # Public holidays are quiet days; only a test or a 24/7 service would switch this off.
    respect_holidays: bool = True


@dataclass(frozen=True)
class Calendar:
    """Working days and contact hours in one time zone.

    Working days are Monday to Friday minus Dutch public holidays. Contact hours are, by
    default, 09:00-20:00 on Monday to Saturday, never on a public holiday.
    """

    timezone: str = "Europe/Amsterdam"
    contact: ContactHours = field(default_factory=ContactHours)
    extra_closed_days: frozenset[date] = frozenset()

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("NL")

    # -- days ---------------------------------------------------------------------------
    def is_holiday(self, day: date) -> bool:
        return day in self._holidays or day in self.extra_closed_days

    @cached_property
    def _memo(self) -> dict[tuple[str, date, object], object]:
        # Deadlines and countdowns are asked for a million times with a few distinct days.
        return {}

    def is_working_day(self, day: date) -> bool:
        key = ("working", day, None)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._memo[key] = day.isoweekday() <= 5 and not self.is_holiday(day)
        return bool(cached)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n=0: `day` itself if working, else the next)."""
        key = ("add", day, n)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._memo[key] = self._add_working_days(day, n)
        return cached  # type: ignore[return-value]

    def _add_working_days(self, day: date, n: int) -> date:
        current = day
        if n == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        remaining = n
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        key = ("between", start, end)
        cached = self._memo.get(key)
        if cached is None:
            cached = self._memo[key] = self._count_working_days(start, end)
        return cached  # type: ignore[return-value]

    def _count_working_days(self, start: date, end: date) -> int:
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    # -- moments ------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def local_date(self, moment: datetime) -> date:
        return self.local(moment).date()

    def at(self, day: date, clock: time) -> datetime:
        """A local wall-clock moment, correct on DST-change days."""
        return datetime.combine(day, clock, tzinfo=self.tz)

    def is_contact_day(self, day: date) -> bool:
        if day.isoweekday() not in self.contact.weekdays:
            return False
        return not (self.contact.respect_holidays and self.is_holiday(day))

    def in_contact_hours(self, moment: datetime) -> bool:
        local = self.local(moment)
        return (
            self.is_contact_day(local.date())
            and self.contact.start <= local.timetz().replace(tzinfo=None) < self.contact.end
        )

    def next_contact_slot(self, moment: datetime) -> datetime:
        """`moment` itself when messages may be sent then, else the next opening."""
        local = self.local(moment)
        if self.in_contact_hours(local):
            return local
        day = local.date()
        if local.timetz().replace(tzinfo=None) >= self.contact.start:
            day += timedelta(days=1)
        while not self.is_contact_day(day):
            day += timedelta(days=1)
        return self.at(day, self.contact.start)

    def add_working_days_at(self, moment: datetime, n: int) -> datetime:
        """The same local time of day, n working days later."""
        local = self.local(moment)
        return self.at(self.add_working_days(local.date(), n), local.time())

    def daypart_of(self, moment: datetime) -> str | None:
        clock = self.local(moment).time()
        for name, (start, end) in DAYPARTS.items():
            if start <= clock < end:
                return name
        return None
