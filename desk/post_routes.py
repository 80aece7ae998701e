"""The post: coordinators make the day's print batch of letters, download it, confirm it went
to the post (only then does each letter count as a contact attempt) or cancel it; and the
card a caseworker prints for a home visit. Every action is audited (ids and counts only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.printer.batches import make_batch
from bot.printer.cards import CardError, visit_card
from bot.printer.channel import PrinterChannel
from casework.letters import (
    LetterError,
    batch_pdf,
    cancel_batch,
    confirm_batch,
    list_batches,
    list_letters,
)
from desk.access import DESK_SERVICES, ID_PATTERN, audit, render, require_user
from desk.case_routes import WORKERS

COORDINATORS = ("coordinator",)


def routes() -> list[web.AbstractRouteDef]:
    batch = f"/post/batches/{{batch_id:{ID_PATTERN}}}"
    return [
        web.get("/post", post_page, name="post"),
        web.post("/post/batches", make, name="post_make"),
        web.get(f"{batch}.pdf", download, name="post_download"),
        web.post(f"{batch}/confirm", confirm, name="post_confirm"),
        web.post(f"{batch}/cancel", cancel, name="post_cancel"),
        web.get(f"/cases/{{case_id:{ID_PATTERN}}}/card.pdf", card, name="case_card"),
    ]


def _batch_id(request: web.Request) -> int:
    return int(request.match_info["batch_id"])


async def post_page(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    await require_user(request, *COORDINATORS)
    services = request.app[DESK_SERVICES]
    async with services.engine.connect() as conn:
        waiting = await list_letters(conn, status="waiting")
        batches = await list_batches(conn)
    return render(
        request,
        "post.html",
        {
            "waiting": waiting,
            "batches": batches,
            "per_day": services.capacity.letters_per_day,
            "error": error,
            "status": status,
        },
    )


async def make(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *COORDINATORS)
    services = request.app[DESK_SERVICES]
    if services.post is None:
        raise web.HTTPNotFound(text="letters are not configured")
    now = services.now()
    calendar = services.rules.calendar
    made = await make_batch(
        services.engine,
        services.post,
        calendar,
        calendar.local_date(now),
        now,
        user.name,
        services.capacity.letters_per_day,
    )
    if made is None:
        return await post_page(request, error="No letters are waiting.", status=409)
    await audit(request, user, "post.batch", detail={"batch": made.batch, "letters": made.letters})
    raise web.HTTPFound(f"/desk/post?done=batch#batch-{made.batch}")


async def download(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *COORDINATORS)
    services = request.app[DESK_SERVICES]
    batch_id = _batch_id(request)
    async with services.engine.connect() as conn:
        try:
            batch, pdf = await batch_pdf(conn, batch_id)
        except LetterError as exc:
            raise web.HTTPNotFound(text=str(exc)) from exc
    if pdf is None:
        raise web.HTTPGone(text=f"batch {batch_id} is {batch.status}: its PDF is not kept")
    await audit(request, user, "post.download", detail={"batch": batch_id})
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="brieven-{batch_id}.pdf"'},
    )


async def confirm(request: web.Request) -> web.StreamResponse:
    services = request.app[DESK_SERVICES]

    async def posted(conn: AsyncConnection, batch_id: int) -> int:
        return await confirm_batch(conn, services.rules, PrinterChannel(), batch_id, services.now())

    return await _end_batch(request, "confirm", posted)


async def cancel(request: web.Request) -> web.StreamResponse:
    services = request.app[DESK_SERVICES]

    async def waiting(conn: AsyncConnection, batch_id: int) -> int:
        return await cancel_batch(conn, batch_id, services.now())

    return await _end_batch(request, "cancel", waiting)


async def _end_batch(
    request: web.Request, action: str, change: Callable[[AsyncConnection, int], Awaitable[int]]
) -> web.StreamResponse:
    """Confirm or cancel a batch in one transaction, audited as `post.<action>`."""
    user = await require_user(request, *COORDINATORS)
    batch_id = _batch_id(request)
    try:
        async with request.app[DESK_SERVICES].engine.begin() as conn:
            letters = await change(conn, batch_id)
    except LetterError as exc:
        return await post_page(request, error=str(exc), status=409)
    await audit(request, user, f"post.{action}", detail={"batch": batch_id, "letters": letters})
    raise web.HTTPFound(f"/desk/post?done={action}#batch-{batch_id}")


async def card(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    services = request.app[DESK_SERVICES]
    if services.post is None:
        raise web.HTTPNotFound(text="cards are not configured")
    case_id = int(request.match_info["case_id"])
    day = services.rules.calendar.local_date(services.now())
    try:
        pdf = await visit_card(services.engine, services.post, case_id, user.name, day)
    except CardError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc
    await audit(request, user, "case.card", case_id=case_id)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="kaartje-{case_id}.pdf"'},
    )
