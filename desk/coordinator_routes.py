"""The coordinator's day page."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from desk.access import DESK_SERVICES, render, require_user
from desk.coordinator import coordinator_day


def routes() -> list[web.AbstractRouteDef]:
    return [web.get("/coordinator", day_page, name="coordinator")]


async def day_page(request: web.Request) -> web.StreamResponse:
    await require_user(request, "coordinator")
    services = request.app[DESK_SERVICES]
    capacity = asdict(services.capacity)
    limits = {
        "phone_calls": int(capacity["phone_calls_per_day"]),
        "home_visits": int(capacity["home_visits_per_day"]),
    }
    now = services.now()
    async with services.engine.connect() as conn:
        plan = await coordinator_day(conn, services.rules.calendar, now, limits)
    return render(request, "coordinator.html", {"plan": plan, "now": now})
