"""What an operator watches, read from the database at one moment (`GET /metrics`).

Only counts, ages and the fixed words the code itself writes (channel names, statuses, task
kinds, the ingest summary's outcome names) leave this module: never an address, a name, a
text or an id. An outcome the ingest summary does not know is left out rather than passed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.models import IngestRun, Outbox, Task, table_of

outbox_t = table_of(Outbox)
tasks_t = table_of(Task)
runs_t = table_of(IngestRun)

# The row counts an ingest run's summary keeps (signals/summary.py), in that order.
INGEST_OUTCOMES = (
    "received",
    "accepted",
    "accepted_with_warning",
    "rejected",
    "duplicates",
    "suppressed",
    "waiting_for_address",
)
# Tasks that are still to be done (the desk's queue shows these).
OPEN_TASK_STATUSES = ("open", "claimed")


@dataclass(frozen=True)
class Operations:
    """One reading of the database."""

    messages: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, status)
    due: dict[str, int] = field(default_factory=dict)  # channel -> pending and due now
    oldest_due_seconds: dict[str, float] = field(default_factory=dict)  # channel -> age
    tasks_open: dict[str, int] = field(default_factory=dict)  # kind -> open or claimed
    tasks_overdue: dict[str, int] = field(default_factory=dict)  # kind -> open, past due
    ingest_rows: dict[str, int] = field(default_factory=dict)  # outcome -> rows, all runs
    ingest_runs: int = 0  # finished runs


async def read_operations(engine: AsyncEngine, now: datetime) -> Operations:
    """Everything in one read-only transaction, so the figures fit together."""
    async with engine.connect() as conn:
        messages = {
            (str(r.channel), str(r.status)): int(r.n)
            for r in await conn.execute(
                select(outbox_t.c.channel, outbox_t.c.status, func.count().label("n")).group_by(
                    outbox_t.c.channel, outbox_t.c.status
                )
            )
        }
        due: dict[str, int] = {}
        oldest: dict[str, float] = {}
        for r in await conn.execute(
            select(
                outbox_t.c.channel,
                func.count().label("n"),
                func.min(outbox_t.c.not_before).label("oldest"),
            )
            .where(outbox_t.c.status == "pending", outbox_t.c.not_before <= now)
            .group_by(outbox_t.c.channel)
        ):
            due[str(r.channel)] = int(r.n)
            first = _aware(r.oldest, now)
            oldest[str(r.channel)] = max(0.0, (now - first).total_seconds()) if first else 0.0
        overdue = func.sum(case((tasks_t.c.due < now, 1), else_=0))
        tasks_open: dict[str, int] = {}
        tasks_overdue: dict[str, int] = {}
        for r in await conn.execute(
            select(tasks_t.c.kind, func.count().label("n"), overdue.label("late"))
            .where(tasks_t.c.status.in_(OPEN_TASK_STATUSES))
            .group_by(tasks_t.c.kind)
        ):
            tasks_open[str(r.kind)] = int(r.n)
            tasks_overdue[str(r.kind)] = int(r.late or 0)
        rows = dict.fromkeys(INGEST_OUTCOMES, 0)
        runs = 0
        for (summary,) in await conn.execute(
            select(runs_t.c.summary).where(runs_t.c.finished_at.is_not(None))
        ):
            runs += 1
            for outcome, value in _counts(summary):
                rows[outcome] += value
        await conn.rollback()
    return Operations(messages, due, oldest, tasks_open, tasks_overdue, rows, runs)


def _counts(summary: Any) -> list[tuple[str, int]]:
    if not isinstance(summary, dict):
        return []
    return [
        (outcome, value)
        for outcome in INGEST_OUTCOMES
        if isinstance(value := summary.get(outcome), int) and not isinstance(value, bool)
    ]


def _aware(moment: datetime | None, like: datetime) -> datetime | None:
    """A stored moment comparable with `like` (UTCDateTime hands back aware datetimes)."""
    if moment is None or moment.tzinfo is not None or like.tzinfo is None:
        return moment
    return moment.replace(tzinfo=like.tzinfo)
