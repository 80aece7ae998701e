"""Completing the address of a case that waits for it (a signal that came with only a BSN)."""

from __future__ import annotations

from aiohttp import web

from casework.address import AddressError, complete_address, parse_address
from desk.access import DESK_SERVICES, ID_PATTERN, audit, require_user
from desk.case_routes import WORKERS, case_id_of, show_case


def routes() -> list[web.AbstractRouteDef]:
    return [web.post(f"/cases/{{case_id:{ID_PATTERN}}}/address", complete, name="case_address")]


async def complete(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    case_id = case_id_of(request)
    services = request.app[DESK_SERVICES]
    form = await request.post()
    try:
        address = parse_address(
            str(form.get("postcode") or ""),
            str(form.get("huisnummer") or ""),
            str(form.get("huisnummertoevoeging") or ""),
        )
        outcome = await complete_address(
            services.engine, case_id, address, services.intake, services.now(), user.name
        )
    except AddressError as exc:
        return await show_case(request, user, case_id, error=str(exc), status=422)
    # Ids only: the address itself stays out of the audit log (it is on the case).
    await audit(
        request,
        user,
        "case.address",
        case_id=case_id,
        detail={"case": outcome["case"], "joined": outcome["joined"]},
    )
    target = outcome["case"] or case_id
    raise web.HTTPFound(f"/desk/cases/{target}?done=address")
