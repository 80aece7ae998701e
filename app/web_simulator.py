"""The resident simulator under /simulator, while the SMS channel is the simulated one.

Someone trying Zaadje sees what each demo resident received and answers as that resident;
the answer goes through `bot.inbound.receive`, exactly as a provider's webhook would hand it
over. The routes do not exist at all once Twilio is configured: real residents are never
shown here. POSTs carry a CSRF token (a cookie and the same value in the form).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import re
import secrets
from datetime import UTC, datetime
from typing import Any, NoReturn

from aiohttp import web

from app.logfmt import mask
from app.services import Services
from bot.simulated import SimulatedChannel
from bot.simulator import Pages, Resident, reply_address, resident, residents
from casework.replies import receive
from desk.i18n import translations
from desk.labels import translate
from scheduler.tick import tick

BASE = "/simulator"
CSRF_COOKIE = "zaadje_sim_csrf"
MAX_LENGTH = 1600  # what an SMS provider delivers at most (10 segments)

STATUS = {
    "pending": "wacht op verzending",
    "sending": "wordt verstuurd",
    "sent": "verstuurd",
    "delivered": "ontvangen",
    "held": "tegengehouden (afgemeld)",
    "withdrawn": "ingetrokken (de inwoner antwoordde al)",
    "failed": "mislukt",
    "error": "fout bij opmaken",
    "rerouted": "niet via WhatsApp: per SMS verstuurd",
}
CHANNEL = {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram", "letter": "brief"}
TASK = {
    "phone": "bellen",
    "callback": "terugbellen",
    "home_visit": "huisbezoek",
    "review": "beoordelen",
}

PAGES: web.AppKey[Pages] = web.AppKey("simulator_pages", Pages)
SIM_SERVICES: web.AppKey[Services] = web.AppKey("simulator_services", Services)
TICK_LOCK: web.AppKey[asyncio.Lock] = web.AppKey("simulator_tick_lock", asyncio.Lock)


def simulator_active(services: Services) -> bool:
    """Only with the simulated SMS channel, and never once any Twilio account is configured
    (even if the real channel could not be built from it): no real resident shows up here."""
    sms = services.context.channels.get("sms")
    return isinstance(sms, SimulatedChannel) and not services.settings.twilio_account_sid


def install(app: web.Application, services: Services) -> None:
    """Add this part's routes (and startup/cleanup hooks) to the application."""
    if not simulator_active(services):
        return
    tz = services.context.calendar.tz

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%d-%m-%Y %H:%M") if moment else ""

    # The desk's words for stages, task statuses and what a reply meant, in Dutch: the
    # simulator shows no internal word either.
    dutch = translations("nl").gettext
    app[PAGES] = Pages(
        {
            "masked": mask,
            "local": local,
            "status": lambda s: STATUS.get(s, s),
            "channel": lambda c: CHANNEL.get(c, c),
            "task": lambda k: TASK.get(k, k),
            "stage": lambda s: translate(dutch, "stage", s),
            "task_status": lambda s: translate(dutch, "task_status", s),
            "intent": lambda s: translate(dutch, "intent", s),
        }
    )
    app[SIM_SERVICES] = services
    app[TICK_LOCK] = asyncio.Lock()
    if not services.settings.config.get("simulated", {}).get("simulator_remote", False):
        app.middlewares.append(_this_machine_only)
    app.router.add_get(BASE, to_index)
    app.router.add_get(f"{BASE}/", index)
    app.router.add_get(f"{BASE}/static/simulator.css", stylesheet)
    # At most 18 digits: a longer number fits no BIGINT (the database would raise, a 500).
    app.router.add_get(BASE + r"/residents/{case_id:\d{1,18}}", conversation)
    app.router.add_post(BASE + r"/residents/{case_id:\d{1,18}}/reply", answer)
    app.router.add_post(f"{BASE}/tick", run_tick)


@web.middleware
async def _this_machine_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """The simulator has no login: by default it shows conversations only to this machine."""
    if request.path.startswith(BASE) and not _is_loopback(request.remote):
        raise web.HTTPForbidden(text="The resident simulator answers only on this machine.")
    response: web.StreamResponse = await handler(request)
    return response


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


# -- CSRF: double submit; the token is random per browser and checked in constant time ------


def _token(request: web.Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def _with_token(response: web.Response, token: str) -> web.Response:
    response.set_cookie(CSRF_COOKIE, token, path=BASE, httponly=True, samesite="Strict")
    return response


async def _checked_form(request: web.Request) -> dict[str, str]:
    try:
        form = await request.post()
    except (ValueError, LookupError) as exc:  # bytes that are no text, an unknown charset
        raise web.HTTPBadRequest(text="Dit formulier kan niet gelezen worden.") from exc
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get("csrf_token", "")
    # Compared as bytes: compare_digest raises on str that is not ASCII (a 500 for "é").
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(_raw(cookie), _raw(sent)):
        raise web.HTTPForbidden(
            text="Ongeldig of ontbrekend formuliertoken: laad de pagina opnieuw."
        )
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# -- pages ----------------------------------------------------------------------------------


def _page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    token = _token(request)
    context.setdefault("notice", _notice(request))
    context.setdefault("here", request.path)
    html = request.app[PAGES].render(template, base=BASE, csrf_token=token, **context)
    return _with_token(web.Response(text=html, content_type="text/html", status=status), token)


def _notice(request: web.Request) -> str:
    sent = request.query.get("verstuurd", "")
    # ASCII digits only, and few: "²".isdigit() is true but int("²") raises (a 500).
    if re.fullmatch(r"[0-9]{1,9}", sent):
        return f"De planner heeft één ronde gedaan: {int(sent)} bericht(en) verstuurd."
    return ""


async def to_index(request: web.Request) -> web.Response:
    _redirect(f"{BASE}/")


async def index(request: web.Request) -> web.Response:
    async with request.app[SIM_SERVICES].engine.connect() as conn:
        found = await residents(conn)
        await conn.rollback()
    return _page(request, "index.html", residents=found)


async def _resident(request: web.Request) -> Resident:
    async with request.app[SIM_SERVICES].engine.connect() as conn:
        found = await resident(conn, int(request.match_info["case_id"]))
        await conn.rollback()
    if found is None:
        raise web.HTTPNotFound(text="Deze zaak bestaat niet.")
    return found


def _channels(services: Services, found: Resident) -> list[str]:
    return [
        name
        for name in ("sms", "whatsapp", "telegram")
        if reply_address(found, name)
        and (name != "whatsapp" or services.context.rules.route.whatsapp_first)
        and isinstance(services.context.channels.get(name), SimulatedChannel)
    ]


def _conversation_page(
    request: web.Request, found: Resident, error: str = "", status: int = 200
) -> web.Response:
    channels = _channels(request.app[SIM_SERVICES], found)
    return _page(
        request,
        "resident.html",
        status=status,
        r=found,
        here=f"{BASE}/residents/{found.case_id}",
        channels=channels,
        error=error,
        max_length=MAX_LENGTH,
    )


async def conversation(request: web.Request) -> web.Response:
    return _conversation_page(request, await _resident(request))


async def answer(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    services = request.app[SIM_SERVICES]
    found = await _resident(request)
    text = form.get("text", "").strip()
    channel = form.get("channel", "sms")
    if channel not in _channels(services, found):
        return _conversation_page(
            request, found, f"Deze inwoner kan niet via {channel!r} antwoorden.", 400
        )
    if not text:
        return _conversation_page(request, found, "Typ eerst een bericht.", 400)
    if len(text) > MAX_LENGTH:
        return _conversation_page(
            request, found, f"Een bericht is hoogstens {MAX_LENGTH} tekens.", 400
        )
    sender = reply_address(found, channel)
    assert sender is not None  # _channels only offers channels with an address
    await receive(services.engine, services.context.rules, channel, sender, text, datetime.now(UTC))
    return _redirect(f"{BASE}/residents/{found.case_id}")


async def run_tick(request: web.Request) -> web.Response:
    """One round of every pass, now: what the worker would do within the next minutes.
    Safe beside the worker's own passes (they claim rows, as between two workers); one
    round at a time, so a double click does not run two."""
    form = await _checked_form(request)
    services = request.app[SIM_SERVICES]
    async with request.app[TICK_LOCK]:
        done = await tick(services.context, datetime.now(UTC))
    back = form.get("next", "")
    if not re.fullmatch(r"/simulator/[\w/]*", back):
        back = f"{BASE}/"  # never an open redirect
    return _redirect(f"{back}?verstuurd={int(done['sent'])}")


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(
        body=Pages.stylesheet(),
        content_type="text/css",
        headers={"Cache-Control": "max-age=3600"},
    )


def _redirect(location: str) -> NoReturn:
    # 303: the browser fetches the page with GET, so a reload does not post the answer again.
    raise web.HTTPSeeOther(location)
