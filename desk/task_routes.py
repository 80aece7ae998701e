"""Task actions from the queue and the case page: claim, unclaim, record an attempt, snooze."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from casework.tasks import TaskError, claim, complete, snooze, unclaim
from desk.access import DESK_SERVICES, ID_PATTERN, User, audit, render, require_user
from desk.outcome import OutcomeError, parse_outcome
from desk.slots import find_slot
from store.models import Task, table_of

tasks_t = table_of(Task)
WORKERS = ("caseworker", "coordinator")
# Coordinators (and admins) may hand back a task someone else holds, to redistribute work.
REDISTRIBUTE = ("coordinator", "admin")


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.post(f"/tasks/{{task_id:{ID_PATTERN}}}/claim", claim_task, name="task_claim"),
        web.post(f"/tasks/{{task_id:{ID_PATTERN}}}/unclaim", unclaim_task, name="task_unclaim"),
        web.post(f"/tasks/{{task_id:{ID_PATTERN}}}/complete", complete_task, name="task_complete"),
        web.post(f"/tasks/{{task_id:{ID_PATTERN}}}/snooze", snooze_task, name="task_snooze"),
    ]


async def _task(request: web.Request) -> Any:
    task_id = int(request.match_info["task_id"])
    async with request.app[DESK_SERVICES].engine.connect() as conn:
        row = (await conn.execute(select(tasks_t).where(tasks_t.c.id == task_id))).first()
    if row is None:
        raise web.HTTPNotFound(text=f"no task {task_id}")
    return row


def _refused(request: web.Request, message: str, case_id: int, status: int) -> web.Response:
    return render(
        request, "refused.html", {"message": message, "case_id": case_id, "status": status}
    )


def _done(case_id: int, task_id: int, what: str) -> web.HTTPFound:
    return web.HTTPFound(f"/desk/cases/{case_id}?done={what}#task-{task_id}")


async def claim_task(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    task = await _task(request)
    services = request.app[DESK_SERVICES]
    try:
        await claim(services.engine, task.id, user.name, services.now())
    except TaskError as exc:
        # Lost the race (or the task is done): say so plainly; nothing changed.
        return _refused(request, str(exc), task.case_id, 409)
    await audit(request, user, "task.claim", case_id=task.case_id, detail={"task": task.id})
    raise _done(task.case_id, task.id, "claimed")


async def unclaim_task(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    task = await _task(request)
    services = request.app[DESK_SERVICES]
    try:
        await unclaim(services.engine, task.id, user.name, anyone=user.role in REDISTRIBUTE)
    except TaskError as exc:
        return _refused(request, str(exc), task.case_id, 409)
    await audit(
        request,
        user,
        "task.unclaim",
        case_id=task.case_id,
        detail={"task": task.id, "holder": task.claimed_by},
    )
    raise _done(task.case_id, task.id, "unclaimed")


def _holder(user: User) -> str | None:
    """Whose claim a user must respect: their own, unless they may redistribute work."""
    return None if user.role in REDISTRIBUTE else user.name


async def complete_task(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    task = await _task(request)
    services = request.app[DESK_SERVICES]
    try:
        outcome = parse_outcome(await request.post(), task.kind)
    except OutcomeError as exc:
        return _refused(request, str(exc), task.case_id, 400)
    try:
        # Exactly what `zaadje task complete` does: the flow decides the next step.
        await complete(
            services.engine,
            services.rules,
            task.id,
            outcome.reached,
            services.now(),
            result=outcome.result,
            daypart=outcome.daypart,
            note=outcome.note,
            user=user.name,
            holder=_holder(user),
            soort=outcome.soort,
        )
    except TaskError as exc:
        return _refused(request, str(exc), task.case_id, 409)
    await audit(
        request,
        user,
        "task.complete",
        case_id=task.case_id,
        detail={
            "task": task.id,
            "reached": outcome.reached,
            "soort": outcome.soort,
            "dagdeel": outcome.daypart,
            "result": outcome.result,
            "note": outcome.note is not None,  # that there was one; its text stays on the task
        },
    )
    raise _done(task.case_id, task.id, "recorded")


async def snooze_task(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    task = await _task(request)
    services = request.app[DESK_SERVICES]
    now = services.now()
    form = await request.post()
    slot = find_slot(services.rules.calendar, now, str(form.get("slot") or ""))
    if slot is None:
        return _refused(request, "choose one of the offered slots", task.case_id, 400)
    try:
        await snooze(
            services.engine,
            task.id,
            slot.start,
            slot.end,
            slot.daypart,
            now,
            holder=_holder(user),
        )
    except TaskError as exc:
        return _refused(request, str(exc), task.case_id, 409)
    await audit(
        request,
        user,
        "task.snooze",
        case_id=task.case_id,
        detail={"task": task.id, "until": slot.start.isoformat()},
    )
    raise _done(task.case_id, task.id, "snoozed")
