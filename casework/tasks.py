"""Caseworkers' tasks: listing, claiming, and completing them with an outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.apply import Casework, apply_events, load_cases
from flows import TaskOutcome
from flows.ddas import DAGDELEN, EINDRESULTATEN
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
    if not user.strip():
        raise TaskError("--user must name the caseworker")
    async with engine.begin() as conn:
        row = await _locked(conn, task_id)
        if row.status == "claimed" and row.claimed_by != user:
            raise TaskError(f"task {task_id} is already claimed by {row.claimed_by}")
        if row.status not in ("open", "claimed"):
            raise TaskError(f"task {task_id} is {row.status}, it cannot be claimed")
        await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.id == task_id)
            .values(status="claimed", claimed_by=user, claimed_at=now)
        )
        return task_dict(await _locked(conn, task_id))


async def complete(
    engine: AsyncEngine,
    work: Casework,
    task_id: int,
    reached: bool,
    now: datetime,
    result: str | None = None,
    daypart: str | None = None,
    note: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
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
        outcome = TaskOutcome(row.ref, reached, result, daypart, note)
        await apply_events(conn, [(row.case_id, outcome)], now, work)
        await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.id == task_id)
            .values(
                status="done",
                completed_at=now,
                claimed_by=row.claimed_by or user,
                outcome={"reached": reached, "result": result, "daypart": daypart, "note": note},
            )
        )
        return task_dict(await _locked(conn, task_id))
