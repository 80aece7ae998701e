"""The coordinator's day: capacity against planned work, overdue tasks, crisis deadlines,
open cases by priority band. The next working days against capacity come from
casework.capacity.outlook (the rules the capacity pass keeps to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.capacity import GROUPS
from clock import Calendar
from store.models import Case, Task, table_of

tasks_t = table_of(Task)
cases_t = table_of(Case)

LIVE = ("open", "claimed")
# Task kinds that use each daily capacity of [capacity].
CAPACITY_KINDS = GROUPS
# Lower bounds of the priority bands, highest first (crisis alone is worth 1000).
BANDS = (1000, 500, 300, 100, 0)
NEAR_DEADLINE_WORKING_DAYS = 3
OUTLOOK_WORKING_DAYS = 5  # the days ahead the page shows against capacity


@dataclass
class Day:
    today: date
    capacity: list[dict[str, Any]]
    overdue_count: int
    overdue: list[dict[str, Any]]
    crisis: list[dict[str, Any]]
    bands: list[dict[str, Any]]


def band_label(low: int) -> str:
    index = BANDS.index(low)
    return f"{low}+" if index == 0 else f"{low}–{BANDS[index - 1] - 1}"


async def coordinator_day(
    conn: AsyncConnection, calendar: Calendar, now: datetime, capacity: dict[str, int]
) -> Day:
    today = calendar.local_date(now)
    day_start = calendar.at(today, time(0))
    day_end = calendar.at(today + timedelta(days=1), time(0))
    rows = []
    for name, kinds in CAPACITY_KINDS.items():
        live = (tasks_t.c.status.in_(LIVE), tasks_t.c.kind.in_(kinds))
        # Workable today: not snoozed or planned for a later day.
        workable = await conn.scalar(
            select(func.count()).where(
                *live, or_(tasks_t.c.not_before.is_(None), tasks_t.c.not_before < day_end)
            )
        )
        due = await conn.scalar(select(func.count()).where(*live, tasks_t.c.due < day_end))
        done = await conn.scalar(
            select(func.count()).where(
                tasks_t.c.status == "done",
                tasks_t.c.kind.in_(kinds),
                tasks_t.c.completed_at >= day_start,
                tasks_t.c.completed_at < day_end,
            )
        )
        limit = int(capacity.get(name, 0))
        rows.append(
            {
                "name": name,
                "capacity": limit,
                "workable": int(workable or 0),
                "due": int(due or 0),
                "done": int(done or 0),
                "left": max(0, limit - int(done or 0)),
                "over": int(due or 0) + int(done or 0) > limit,
            }
        )
    overdue_filter = (tasks_t.c.status.in_(LIVE), tasks_t.c.due < now)
    overdue_count = await conn.scalar(select(func.count()).where(*overdue_filter))
    overdue = [
        dict(r._mapping)
        for r in await conn.execute(
            select(
                tasks_t.c.id,
                tasks_t.c.case_id,
                tasks_t.c.kind,
                tasks_t.c.priority,
                tasks_t.c.due,
                tasks_t.c.claimed_by,
            )
            .where(*overdue_filter)
            .order_by(tasks_t.c.priority.desc(), tasks_t.c.due, tasks_t.c.id)
            .limit(25)
        )
    ]
    near = calendar.add_working_days(today, NEAR_DEADLINE_WORKING_DAYS)
    crisis = [
        dict(r._mapping)
        for r in await conn.execute(
            select(
                cases_t.c.id,
                cases_t.c.priority,
                cases_t.c.deadline,
                cases_t.c.stage,
                cases_t.c.crisis,
            )
            .where(
                cases_t.c.state == "open",
                cases_t.c.deadline.is_not(None),
                cases_t.c.deadline <= near,
            )
            .order_by(cases_t.c.deadline, cases_t.c.priority.desc(), cases_t.c.id)
            .limit(50)
        )
    ]
    for row in crisis:
        row["working_days_left"] = (
            calendar.working_days_between(today, row["deadline"])
            if row["deadline"] >= today
            else -calendar.working_days_between(row["deadline"], today)
        )
    band = case(
        *[(cases_t.c.priority >= low, low) for low in BANDS[:-1]],
        else_=BANDS[-1],
    )
    counts: dict[int, int] = dict(
        (
            await conn.execute(
                select(band, func.count()).where(cases_t.c.state == "open").group_by(band)
            )
        ).all()
    )
    bands = [
        {"low": low, "label": band_label(low), "count": int(counts.get(low, 0))} for low in BANDS
    ]
    return Day(today, rows, int(overdue_count or 0), overdue, crisis, bands)
