"""The case page: who, why, what happened; and sending the resident a text."""

from __future__ import annotations

import secrets

from aiohttp import web

from casework.attempts import MANUAL_SOORTEN
from casework.chat_offer import CannotOffer, offer_chat
from desk.access import DESK_SERVICES, ID_PATTERN, User, audit, render, require_user
from desk.case_view import load_case
from desk.outcome import allowed_results
from desk.sending import SendError, catalogue_keys, send_catalogue, send_free_text
from desk.slots import next_slots
from flows.ddas import DAGDELEN
from flows.outcomes import SOORTEN_OF_TASK
from messages import MessageError, render_detail

WORKERS = ("caseworker", "coordinator")

# What the case page says after an action (Post/Redirect/Get keeps the page reloadable).
NOTICES = {
    "claimed": "You claimed the task.",
    "unclaimed": "The task is back in the queue.",
    "recorded": "The attempt is recorded.",
    "snoozed": "The task is moved to a later slot.",
    "sent": "The text is in the outbox; it goes out within contact hours.",
    "sent_before": "This text was sent already (the form was posted twice).",
    "chat_offered": "The chat code goes out by SMS within contact hours.",
    "attempt": "The contact attempt is recorded.",
    "address": "The address is recorded; the signals are now handled as any other.",
}


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get(f"/cases/{{case_id:{ID_PATTERN}}}", case_page, name="case"),
        web.post(f"/cases/{{case_id:{ID_PATTERN}}}/send", send, name="case_send"),
        web.post(f"/cases/{{case_id:{ID_PATTERN}}}/chat", offer_chat_action, name="case_chat"),
    ]


def case_id_of(request: web.Request) -> int:
    return int(request.match_info["case_id"])


async def case_page(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    return await show_case(request, user, case_id_of(request))


async def show_case(
    request: web.Request,
    user: User,
    case_id: int,
    *,
    error: str | None = None,
    findings: list[str] | None = None,
    free_text: str = "",
    status: int = 200,
) -> web.Response:
    services = request.app[DESK_SERVICES]
    calendar = services.rules.calendar
    async with services.engine.connect() as conn:
        view = await load_case(conn, case_id, calendar)
    if view is None:
        raise web.HTTPNotFound(text=f"no case {case_id}")
    await audit(request, user, "case.view", case_id=case_id)
    now = services.now()
    texts = []
    for key in catalogue_keys():
        try:
            preview = render_detail(key, view.case["locale"], **services.values).text
        except MessageError:
            continue  # no reviewed text in any language: not offered
        texts.append({"key": key, "preview": preview})
    notice = NOTICES.get(request.query.get("done", ""))
    return render(
        request,
        "case.html",
        {
            "view": view,
            "c": view.case,
            "now": now,
            "texts": texts,
            "slots": next_slots(calendar, now),
            "dagdelen": DAGDELEN,
            # The contactsoorten a task's attempt may be recorded as, its default first.
            "soorten_of_kind": SOORTEN_OF_TASK,
            "manual_soorten": MANUAL_SOORTEN,
            "today": calendar.local_date(now).isoformat(),
            "results": allowed_results(),
            "send_id": secrets.token_urlsafe(16),
            "error": error,
            "findings": findings or [],
            "free_text": free_text,
            "notice": notice,
            "chat_enabled": services.rules.chat is not None,
            "status": status,
        },
    )


async def send(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, *WORKERS)
    case_id = case_id_of(request)
    services = request.app[DESK_SERVICES]
    form = await request.post()
    mode = str(form.get("mode") or "")
    send_id = str(form.get("send_id") or "")
    if not send_id or len(send_id) > 64:
        raise web.HTTPBadRequest(text="the form is missing its send_id; reload the page")
    now = services.now()
    text = str(form.get("text") or "")
    try:
        if mode == "catalogue":
            sent = await send_catalogue(
                services.engine,
                case_id,
                str(form.get("key") or ""),
                send_id,
                services.values,
                now,
                services.rules.route,
            )
        elif mode == "free":
            sent = await send_free_text(
                services.engine, case_id, text, send_id, now, services.rules.route
            )
        else:
            raise SendError("choose a catalogue text or write a free text")
    except SendError as exc:
        return await show_case(
            request,
            user,
            case_id,
            error=str(exc),
            findings=exc.findings,
            free_text=text,
            status=422,
        )
    # The key, never the text: the audit log holds no message bodies.
    await audit(
        request,
        user,
        "case.send",
        case_id=case_id,
        detail={"key": sent.key, "outbox": sent.outbox_id},
    )
    done = "sent" if sent.outbox_id is not None else "sent_before"
    raise web.HTTPFound(f"/desk/cases/{case_id}?done={done}")


async def offer_chat_action(request: web.Request) -> web.StreamResponse:
    """Offer the resident the Telegram chat: a fresh link code by SMS (never a link)."""
    user = await require_user(request, *WORKERS)
    case_id = case_id_of(request)
    services = request.app[DESK_SERVICES]
    invite = services.rules.chat
    if invite is None:
        raise web.HTTPNotFound(text="the Telegram chat is not configured")
    async with services.engine.begin() as conn:
        try:
            offered = await offer_chat(
                conn,
                case_id,
                services.now(),
                secret_key=invite.secret_key,
                bot_name=invite.bot_name,
                calendar=services.rules.calendar,
            )
        except CannotOffer as exc:
            await conn.rollback()
            return await show_case(request, user, case_id, error=str(exc), status=422)
    # Never the code itself: the audit log holds no secrets.
    await audit(
        request, user, "case.chat_offer", case_id=case_id, detail={"outbox": offered.outbox_id}
    )
    raise web.HTTPFound(f"/desk/cases/{case_id}?done=chat_offered")
