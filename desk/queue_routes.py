"""The work queue page."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from desk.access import DESK_SERVICES, render, require_user
from desk.queue import KINDS, Cursor, Filters, QueueError, queue_page

WORKERS = ("caseworker", "coordinator")


def routes() -> list[web.AbstractRouteDef]:
    return [web.get("/queue", queue, name="queue")]


async def queue(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    services = request.app[DESK_SERVICES]
    try:
        filters = Filters.parse(request.query)
        marker = request.query.get("after")
        after = Cursor.decode(marker) if marker else None
    except QueueError as exc:
        return render(
            request,
            "queue.html",
            {"filters": Filters(), "kinds": KINDS, "rows": [], "error": str(exc), "status": 400},
        )
    now = services.now()
    async with services.engine.connect() as conn:
        page = await queue_page(conn, user.name, filters, now, after)
    next_url = None
    if page.next is not None:
        next_url = "/desk/queue?" + urlencode({**filters.query(), "after": page.next.encode()})
    first_url = "/desk/queue?" + urlencode(filters.query()) if after is not None else None
    return render(
        request,
        "queue.html",
        {
            "filters": filters,
            "kinds": KINDS,
            "rows": page.rows,
            "next_url": next_url,
            "first_url": first_url,
            "calendar": services.rules.calendar,
            "error": None,
        },
    )
