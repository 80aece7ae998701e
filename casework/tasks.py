"""Caseworkers' tasks: listing, claiming, and completing them with an outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.apply import apply_events, load_cases
from casework.rules import CaseRules
from flows import TaskOutcome
from flows.ddas import DAGDELEN, EINDRESULTATEN, V12_OF
from flows.outcomes import soort_error
from signals.waiting import TASK_REASON as ADDRESS_TASK
from store.models import Task, table_of

tasks_t = table_of(Task)


class TaskError(ValueError):
    """A task action that cannot be done (unknown task, already done, bad result)."""


def task_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "case": row.case_id,
        "kind": row.kind,
        "reason": row.reason,
        "priority": row.priority,
        "due": row.due.isoformat() if row.due else None,
        "not_before": row.not_before.isoformat() if row.not_before else None,
        "daypart": row.daypart,
        "status": row.status,
        "claimed_by": row.claimed_by,
        "note": row.note,
        "outcome": row.outcome,
    }


async def list_tasks(conn: AsyncConnection, status: str | None) -> list[dict[str, Any]]:
    query = select(tasks_t).order_by(tasks_t.c.priority.desc(), tasks_t.c.due, tasks_t.c.id)
    if status:
        query = query.where(tasks_t.c.status == status)
    return [task_dict(row) for row in await conn.execute(query)]


async def _locked(conn: AsyncConnection, task_id: int) -> Any:
    row = (
        await conn.execute(select(tasks_t).where(tasks_t.c.id == task_id).with_for_update())
    ).first()
    if row is None:
        raise TaskError(f"no task {task_id}")
    return row


async def claim(engine: AsyncEngine, task_id: int, user: str, now: datetime) -> dict[str, Any]:
    """Take an open task. Atomic: one conditional UPDATE, so of two caseworkers claiming at
    once exactly one gets it and the other a clear error (claiming one's own task again is
    fine)."""
    if not user.strip():
        raise TaskError("--user must name the caseworker")
    async with engine.begin() as conn:
        taken = await conn.execute(
            update(tasks_t)
            .where(
                tasks_t.c.id == task_id,
                (tasks_t.c.status == "open")
                | ((tasks_t.c.status == "claimed") & (tasks_t.c.claimed_by == user)),
            )
            .values(status="claimed", claimed_by=user, claimed_at=now)
        )
        row = await _locked(conn, task_id)
        if taken.rowcount == 0:
            if row.status == "claimed":
                raise TaskError(f"task {task_id} is already claimed by {row.claimed_by}")
            raise TaskError(f"task {task_id} is {row.status}, it cannot be claimed")
        return task_dict(row)


async def unclaim(
    engine: AsyncEngine, task_id: int, user: str, *, anyone: bool = False
) -> dict[str, Any]:
    """Give a claimed task back to the queue. Only its holder may, unless `anyone` (a
    coordinator redistributing work)."""
    async with engine.begin() as conn:
        condition = tasks_t.c.status == "claimed"
        if not anyone:
            condition = condition & (tasks_t.c.claimed_by == user)
        released = await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.id == task_id, condition)
            .values(status="open", claimed_by=None, claimed_at=None)
        )
        row = await _locked(conn, task_id)
        if released.rowcount == 0:
            if row.status == "claimed":
                raise TaskError(f"task {task_id} is claimed by {row.claimed_by}, not by {user}")
            raise TaskError(f"task {task_id} is {row.status}, not claimed")
        return task_dict(row)


def _check_holder(row: Any, holder: str | None) -> None:
    """With `holder` given, a task someone else holds is theirs to finish (checked under the
    task's lock, so a claim that lands just before cannot be overtaken)."""
    if holder is not None and row.status == "claimed" and row.claimed_by != holder:
        raise TaskError(f"task {row.id} is claimed by {row.claimed_by}")


async def snooze(
    engine: AsyncEngine,
    task_id: int,
    until: datetime,
    due: datetime,
    daypart: str | None,
    now: datetime,
    holder: str | None = None,
) -> dict[str, Any]:
    """Move a live task to a later contact slot: not before `until`, due at the slot's end
    (`due`) unless it was due later anyway, in the slot's daypart. Who holds it is kept."""
    if until <= now or due < until:
        raise TaskError("a task can only be snoozed to a later slot")
    if daypart is not None and daypart not in DAGDELEN:
        raise TaskError(f"unknown daypart {daypart!r}; one of: {', '.join(DAGDELEN)}")
    async with engine.begin() as conn:
        row = await _locked(conn, task_id)
        if row.status not in ("open", "claimed"):
            raise TaskError(f"task {task_id} is {row.status}, it cannot be snoozed")
        _check_holder(row, holder)
        await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.id == task_id)
            .values(
                not_before=until,
                due=max(row.due, due),
                daypart=daypart if daypart is not None else row.daypart,
            )
        )
        return task_dict(await _locked(conn, task_id))


async def complete(
    engine: AsyncEngine,
    rules: CaseRules,
    task_id: int,
    reached: bool,
    now: datetime,
    result: str | None = None,
    daypart: str | None = None,
    note: str | None = None,
    user: str | None = None,
    holder: str | None = None,
    soort: str | None = None,
) -> dict[str, Any]:
    """Record a task's outcome; the flow decides the next step. `soort` is the attempt's
    DDAS contactsoort where the task's kind allows another than its own (a home visit that
    became "Afspraak op locatie"); None: the kind's own. A result in DDAS v0.9 words (an
    older script) is taken as its v1.2 name."""
    if result is not None:
        result = V12_OF.get(result, result)
    if result is not None and result not in EINDRESULTATEN:
        raise TaskError(
            f"unknown DDAS result {result!r}; one of: {'; '.join(sorted(EINDRESULTATEN))}"
        )
    if daypart is not None and daypart not in DAGDELEN:
        raise TaskError(f"unknown daypart {daypart!r}; one of: {', '.join(DAGDELEN)}")
    async with engine.begin() as conn:
        # Lock order everywhere: the case, then its tasks (a pass holding the case and
        # cancelling this task would otherwise deadlock with us).
        case_id = await conn.scalar(select(tasks_t.c.case_id).where(tasks_t.c.id == task_id))
        if case_id is None:
            raise TaskError(f"no task {task_id}")
        await load_cases(conn, [case_id])
        row = await _locked(conn, task_id)
        if row.status not in ("open", "claimed"):
            raise TaskError(f"task {task_id} is {row.status}, it cannot be completed")
        if row.reason == ADDRESS_TASK:
            raise TaskError(
                f"task {task_id} asks for the case's address: complete it on the case page"
            )
        _check_holder(row, holder)
        wrong = soort_error(row.kind, soort)
        if wrong is not None:
            raise TaskError(wrong)
        outcome = TaskOutcome(row.ref, reached, result, daypart, note, soort)
        await apply_events(conn, [(row.case_id, outcome)], now, rules)
        recorded = {"reached": reached, "result": result, "daypart": daypart, "note": note}
        if soort is not None:
            recorded["soort"] = soort
        await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.id == task_id)
            .values(
                status="done",
                completed_at=now,
                claimed_by=row.claimed_by or user,
                outcome=recorded,
            )
        )
        return task_dict(await _locked(conn, task_id))
