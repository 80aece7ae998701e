"""A reporting period: whole days, both ends inclusive, on the municipality's clock."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIRST_YEAR = 1900
LAST_YEAR = 2999


class PeriodError(ValueError):
    """A period a person asked for that cannot be (unreadable date, end before start)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    tz: ZoneInfo

    def __post_init__(self) -> None:
        for day in (self.start, self.end):
            # Year 1 or 9999 overflows when turned into a moment in UTC (a 500 on the desk).
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise PeriodError(
                    f"{day.isoformat()}: a period lies between {FIRST_YEAR} and {LAST_YEAR}"
                )
        if self.end < self.start:
            raise PeriodError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[first moment, first moment after) in UTC, for comparing stored moments."""
        first = datetime.combine(self.start, time(0), tzinfo=self.tz)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=self.tz)
        return first.astimezone(UTC), after.astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def contains(self, moment: datetime) -> bool:
        first, after = self.utc_bounds
        return first <= moment < after

    @property
    def months(self) -> float:
        """The period's length in months, each calendar month counted by its share of days
        covered, so 1 January–31 March is exactly 3 and 1–15 February is 0.54 (of 28)."""
        total = 0.0
        day = self.start
        while day <= self.end:
            month_days = calendar.monthrange(day.year, day.month)[1]
            month_end = day.replace(day=month_days)
            last = min(month_end, self.end)
            total += ((last - day).days + 1) / month_days
            day = last + timedelta(days=1)
        return total


def previous_month(today: date, tz: ZoneInfo) -> Period:
    """The default period: the whole calendar month before `today`."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end, tz)


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from exc


def period_from(start: str | None, end: str | None, today: date, tz: ZoneInfo) -> Period:
    """`--from`/`--to` as given; a missing end is `today`, a missing start the first of the
    end's month; neither given is the previous calendar month."""
    if start is None and end is None:
        return previous_month(today, tz)
    last = parse_day(end, "--to") if end is not None else today
    first = parse_day(start, "--from") if start is not None else last.replace(day=1)
    return Period(first, last, tz)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
