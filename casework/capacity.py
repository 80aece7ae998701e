"""The team's daily capacity for caseworkers' tasks, kept each working day.

`[capacity] phone_calls_per_day` covers phone and call-back tasks together,
`home_visits_per_day` home visits; review tasks are not limited. Each working day takes the
open tasks workable that day highest priority first (ties: the earlier due, then the lower
id) until the day is full; the rest get a later `not_before`, the next working day with room.

- Crisis work is never moved (the law's three working days win) and never makes room
  for other work: it comes on top, counted separately, so a day may go over capacity
  because of crisis work (the coordinator's page shows by how much).
- A claimed task is never moved either; it takes a place on the day it is workable.
- Tasks done today take today's places: the capacity is the work of a day, done or not.
- A task is only ever moved later, never back. Moving keeps the task's window: its daypart
  (or the contact hours) on the new day, and its due moved by the same number of working
  days (at least to the end of that window), so `due >= not_before` always holds.
- A limit of 0 or less switches that limit off.

Running it again changes nothing, and the result does not depend on the order in which the
tasks were created: each day's choice depends only on priority, due and id. (A task moved to
a later day is not brought back when a task of the earlier day is cancelled.)

Casework is the only writer of task rows; the scheduler runs `reschedule` as a pass (under a
pass lock, see scheduler/capacity.py) and the coordinator's page reads `outlook`.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.rules import Capacity
from clock import DAYPARTS, Calendar
from store.models import Case, Task, table_of

tasks_t = table_of(Task)
cases_t = table_of(Case)

LIVE = ("open", "claimed")
# Task kinds that use each daily limit of [capacity].
GROUPS: dict[str, tuple[str, ...]] = {
    "phone_calls": ("phone", "callback"),
    "home_visits": ("home_visit",),
}
GROUP_OF = {kind: group for group, kinds in GROUPS.items() for kind in kinds}


def limits_of(capacity: Capacity) -> dict[str, int]:
    return {
        "phone_calls": capacity.phone_calls_per_day,
        "home_visits": capacity.home_visits_per_day,
    }


@dataclass(frozen=True)
class Work:
    """A live task as the capacity sees it."""

    id: int
    case_id: int
    kind: str
    priority: int
    due: datetime
    not_before: datetime | None
    daypart: str | None
    claimed: bool
    crisis: bool

    @property
    def group(self) -> str:
        return GROUP_OF[self.kind]

    @property
    def order(self) -> tuple[int, datetime, int]:
        """Highest priority first; ties by the earlier due, then the lower id."""
        return (-self.priority, self.due, self.id)

    @property
    def movable(self) -> bool:
        return not self.claimed and not self.crisis


@dataclass
class Book:
    """Every live capacity task, and what was done today, as the day planner sees them."""

    today: date
    first_day: date  # today when it is a working day, else the next one
    work: list[Work]
    done_today: dict[tuple[str, bool], int]  # (group, crisis) -> tasks done today

    def day_of(self, calendar: Calendar, work: Work) -> date:
        """The working day from which the task is workable: today for anything due now."""
        if work.not_before is None:
            return self.first_day
        start = calendar.local_date(work.not_before)
        return calendar.add_working_days(max(self.first_day, start), 0)


@dataclass
class Plan:
    """Per group: the working day each task is workable on after keeping to capacity."""

    days: dict[int, date] = field(default_factory=dict)
    moved: dict[int, date] = field(default_factory=dict)  # the tasks whose day changed


async def read_book(conn: AsyncConnection, calendar: Calendar, now: datetime) -> Book:
    today = calendar.local_date(now)
    first_day = calendar.add_working_days(today, 0)
    rows = await conn.execute(
        select(
            tasks_t.c.id,
            tasks_t.c.case_id,
            tasks_t.c.kind,
            tasks_t.c.priority,
            tasks_t.c.due,
            tasks_t.c.not_before,
            tasks_t.c.daypart,
            tasks_t.c.status,
            cases_t.c.crisis,
        )
        .join(cases_t, cases_t.c.id == tasks_t.c.case_id)
        .where(tasks_t.c.status.in_(LIVE), tasks_t.c.kind.in_(tuple(GROUP_OF)))
    )
    work = [
        Work(
            id=row.id,
            case_id=row.case_id,
            kind=row.kind,
            priority=int(row.priority),
            due=calendar.local(row.due),
            not_before=calendar.local(row.not_before) if row.not_before else None,
            daypart=row.daypart,
            claimed=row.status == "claimed",
            crisis=bool(row.crisis),
        )
        for row in rows
    ]
    done: dict[tuple[str, bool], int] = defaultdict(int)
    if first_day == today:  # work done on a day off counts against no working day
        start = calendar.at(today, time(0))
        end = calendar.at(today + timedelta(days=1), time(0))
        counted = await conn.execute(
            select(tasks_t.c.kind, cases_t.c.crisis, func.count())
            .join(cases_t, cases_t.c.id == tasks_t.c.case_id)
            .where(
                tasks_t.c.status == "done",
                tasks_t.c.kind.in_(tuple(GROUP_OF)),
                tasks_t.c.completed_at >= start,
                tasks_t.c.completed_at < end,
            )
            .group_by(tasks_t.c.kind, cases_t.c.crisis)
        )
        for kind, crisis, count in counted:
            done[(GROUP_OF[kind], bool(crisis))] += int(count)
    return Book(today, first_day, work, dict(done))


def plan_days(calendar: Calendar, book: Book, limits: dict[str, int]) -> Plan:
    """Each working day, from today on, takes the movable tasks workable by then highest
    priority first, as far as the room the claimed tasks and today's done ones leave.
    Crisis tasks stay where they are and take no room (they come on top)."""
    plan = Plan()
    for group in GROUPS:
        works = [w for w in book.work if w.group == group]
        for w in works:
            plan.days[w.id] = book.day_of(calendar, w)
        limit = limits.get(group, 0)
        if limit <= 0:
            continue  # no limit for this kind of work
        fixed: dict[date, int] = defaultdict(int)
        fixed[book.first_day] += book.done_today.get((group, False), 0)
        for w in works:
            if w.claimed and not w.crisis:
                fixed[plan.days[w.id]] += 1
        movable = sorted((w for w in works if w.movable), key=lambda w: (plan.days[w.id], w.order))
        waiting: list[tuple[tuple[int, datetime, int], Work]] = []
        index = 0
        day = book.first_day
        while index < len(movable) or waiting:
            if not waiting and plan.days[movable[index].id] > day:
                day = plan.days[movable[index].id]  # nothing waits: on to the next release
            while index < len(movable) and plan.days[movable[index].id] <= day:
                heapq.heappush(waiting, (movable[index].order, movable[index]))
                index += 1
            room = max(0, limit - fixed[day])
            for _ in range(min(room, len(waiting))):
                _, work = heapq.heappop(waiting)
                if day != plan.days[work.id]:
                    plan.moved[work.id] = day
                plan.days[work.id] = day
            day = calendar.add_working_days(day, 1)
    return plan


def window_on(calendar: Calendar, day: date, daypart: str | None) -> tuple[datetime, datetime]:
    """The task's window on `day`: its daypart, or the contact hours."""
    start, end = DAYPARTS.get(daypart or "", (calendar.contact.start, calendar.contact.end))
    return calendar.at(day, start), calendar.at(day, end)


def moved_times(calendar: Calendar, book: Book, work: Work, day: date) -> tuple[datetime, datetime]:
    """(not_before, due) of a task moved to `day`: the start of its window that day; due as
    many working days later as the task moved, but not before the end of that window."""
    start, end = window_on(calendar, day, work.daypart)
    shift = calendar.working_days_between(book.day_of(calendar, work), day)
    due = calendar.add_working_days_at(work.due, shift)
    return start, max(due, end)


async def reschedule(
    conn: AsyncConnection, calendar: Calendar, capacity: Capacity, now: datetime
) -> int:
    """Keep every working day's tasks within capacity; how many tasks moved. Run it under a
    pass lock (one at a time): two at once would each move from what they read."""
    book = await read_book(conn, calendar, now)
    plan = plan_days(calendar, book, limits_of(capacity))
    by_id = {w.id: w for w in book.work}
    params: list[dict[str, Any]] = []
    for task_id in sorted(plan.moved):
        work = by_id[task_id]
        not_before, due = moved_times(calendar, book, work, plan.moved[task_id])
        params.append(
            {"tid": task_id, "old": work.not_before, "not_before": not_before, "new_due": due}
        )
    if params:
        # Only a task still open and not moved by someone else since it was read (a claim or
        # a snooze in between wins; the next pass sees it).
        await conn.execute(
            update(tasks_t)
            .where(
                tasks_t.c.id == bindparam("tid"),
                tasks_t.c.status == "open",
                tasks_t.c.not_before.is_not_distinct_from(bindparam("old")),
            )
            .values(not_before=bindparam("not_before"), due=bindparam("new_due")),
            params,
        )
    return len(params)


# -- the coordinator's outlook ----------------------------------------------------------------


@dataclass
class DayLoad:
    day: date
    capacity: int  # 0: not limited
    planned: int  # work other than crisis workable that day (today: with what is done)
    crisis: int  # crisis work that day (today: with what is done)

    @property
    def total(self) -> int:
        return self.planned + self.crisis

    @property
    def left(self) -> int:
        return self.capacity - self.total

    @property
    def over(self) -> bool:
        return self.capacity > 0 and self.total > self.capacity


@dataclass
class AtRisk:
    """A crisis task whose due falls within the outlook and that is overdue, or that does not
    fit in its day's capacity behind the crisis work before it."""

    id: int
    case_id: int
    kind: str
    priority: int
    due: datetime
    day: date
    overdue: bool


@dataclass
class Outlook:
    days: list[date]
    groups: dict[str, list[DayLoad]]
    at_risk: list[AtRisk]


async def outlook(
    conn: AsyncConnection,
    calendar: Calendar,
    capacity: Capacity,
    now: datetime,
    working_days: int = 5,
) -> Outlook:
    """The next `working_days` working days (today first when it is one): per group and day
    the work against capacity, crisis work apart, and the crisis tasks at risk. Read as the
    tasks stand: the capacity pass has placed them already."""
    book = await read_book(conn, calendar, now)
    limits = limits_of(capacity)
    days = [calendar.add_working_days(book.first_day, n) for n in range(working_days)]
    horizon_end = calendar.at(days[-1] + timedelta(days=1), time(0))
    groups: dict[str, list[DayLoad]] = {}
    at_risk: list[AtRisk] = []
    for group in GROUPS:
        works = [w for w in book.work if w.group == group]
        loads = {d: DayLoad(d, max(0, limits.get(group, 0)), 0, 0) for d in days}
        loads[book.first_day].planned += book.done_today.get((group, False), 0)
        loads[book.first_day].crisis += book.done_today.get((group, True), 0)
        crisis_by_day: dict[date, list[Work]] = defaultdict(list)
        for w in works:
            day = book.day_of(calendar, w)
            if w.crisis:
                crisis_by_day[day].append(w)
            if day in loads:
                if w.crisis:
                    loads[day].crisis += 1
                else:
                    loads[day].planned += 1
        for day, crisis in crisis_by_day.items():
            used = book.done_today.get((group, True), 0) if day == book.first_day else 0
            for rank, w in enumerate(sorted(crisis, key=lambda w: w.order)):
                fits = limits.get(group, 0) <= 0 or used + rank < limits[group]
                overdue = w.due < now
                if w.due < horizon_end and (overdue or not fits):
                    at_risk.append(AtRisk(w.id, w.case_id, w.kind, w.priority, w.due, day, overdue))
        groups[group] = [loads[d] for d in days]
    at_risk.sort(key=lambda r: (r.due, -r.priority, r.id))
    return Outlook(days, groups, at_risk)
