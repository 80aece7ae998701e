"""Contact slots a task can be snoozed to: the coming dayparts within contact hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from clock import Calendar
from clock.calendar import DAYPARTS


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    daypart: str

    @property
    def code(self) -> str:
        return self.start.isoformat()


def next_slots(calendar: Calendar, now: datetime, count: int = 8) -> list[Slot]:
    """The next `count` dayparts that start after `now`, on contact days only."""
    slots: list[Slot] = []
    day = calendar.local_date(now)
    for _ in range(60):  # far more days than any holiday stretch
        if calendar.is_contact_day(day):
            for name, (start, end) in DAYPARTS.items():
                begin = calendar.at(day, start)
                if begin > now and calendar.in_contact_hours(begin):
                    slots.append(Slot(begin, calendar.at(day, end), name))
                    if len(slots) == count:
                        return slots
        day += timedelta(days=1)
    return slots


def find_slot(calendar: Calendar, now: datetime, code: str) -> Slot | None:
    return next((s for s in next_slots(calendar, now) if s.code == code), None)
