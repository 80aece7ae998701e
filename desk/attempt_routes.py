"""Recording a contact attempt made outside a task, from the case page (casework writes it)."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from casework.attempts import AttemptError, check_attempt, record_attempt
from desk.access import DESK_SERVICES, ID_PATTERN, audit, require_user
from desk.case_routes import WORKERS, case_id_of, show_case
from desk.outcome import YES_NO


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.post(
            f"/cases/{{case_id:{ID_PATTERN}}}/attempt", record_attempt_action, name="case_attempt"
        ),
    ]


def _datum(value: str, today: date) -> date:
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise AttemptError(f"the date {value!r} is not a date (YYYY-MM-DD)") from exc


async def record_attempt_action(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    case_id = case_id_of(request)
    services = request.app[DESK_SERVICES]
    now = services.rules.calendar.local(services.now())
    form = await request.post()
    try:
        bereikt = str(form.get("bereikt") or "")
        if bereikt not in YES_NO:
            raise AttemptError("say whether the resident was reached (bereikt: ja or nee)")
        soort = str(form.get("soort") or "")
        datum = _datum(str(form.get("datum") or "").strip(), now.date())
        dagdeel = str(form.get("dagdeel") or "") or None
        check_attempt(soort, datum, dagdeel, now.date())
        attempt = await record_attempt(
            services.engine,
            case_id,
            soort=soort,
            bereikt=YES_NO[bereikt],
            datum=datum,
            dagdeel=dagdeel,
            user=user.name,
            now=now,
        )
    except AttemptError as exc:
        return await show_case(request, user, case_id, error=str(exc), status=422)
    await audit(
        request,
        user,
        "case.attempt",
        case_id=case_id,
        detail={
            "attempt": attempt["id"],
            "soort": attempt["soort"],
            "bereikt": attempt["bereikt"],
            "datum": attempt["datum"],
            "dagdeel": attempt["dagdeel"],
        },
    )
    raise web.HTTPFound(f"/desk/cases/{case_id}?done=attempt#timeline")
