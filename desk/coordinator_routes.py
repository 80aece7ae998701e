"""The coordinator's day page: today, and the next working days against capacity."""

from __future__ import annotations

from aiohttp import web

from casework.capacity import limits_of, outlook
from desk.access import DESK_SERVICES, render, require_user
from desk.coordinator import OUTLOOK_WORKING_DAYS, coordinator_day


def routes() -> list[web.AbstractRouteDef]:
    return [web.get("/coordinator", day_page, name="coordinator")]


async def day_page(request: web.Request) -> web.StreamResponse:
    await require_user(request, "coordinator")
    services = request.app[DESK_SERVICES]
    limits = limits_of(services.capacity)
    now = services.now()
    async with services.engine.connect() as conn:
        plan = await coordinator_day(conn, services.rules.calendar, now, limits)
        ahead = await outlook(
            conn, services.rules.calendar, services.capacity, now, OUTLOOK_WORKING_DAYS
        )
    return render(request, "coordinator.html", {"plan": plan, "ahead": ahead, "now": now})
