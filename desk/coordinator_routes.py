"""The coordinator's day page: today, and the next working days against capacity."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from casework.capacity import outlook
from desk.access import DESK_SERVICES, render, require_user
from desk.coordinator import OUTLOOK_WORKING_DAYS, coordinator_day


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
        ahead = await outlook(
            conn, services.rules.calendar, services.capacity, now, OUTLOOK_WORKING_DAYS
        )
    return render(request, "coordinator.html", {"plan": plan, "ahead": ahead, "now": now})
