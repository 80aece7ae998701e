"""Logging in and out, the start page, and the interface language."""

from __future__ import annotations

import hmac
import ipaddress
import math

from aiohttp import web
from sqlalchemy import update

from desk import sessions, throttle
from desk.access import (
    COOKIE_PATH,
    DESK_SERVICES,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    audit,
    current_session,
    gettext_for,
    render,
    request_locale,
    require_user,
    start_session,
)
from desk.i18n import LOCALES
from desk.oidc_client import OIDC_CLIENT
from desk.oidc_config import login_config_of
from desk.oidc_users import logs_in_at_provider
from desk.users import users_t, verify_password

# Where each role starts.
HOME = {
    "caseworker": "/desk/queue",
    "coordinator": "/desk/coordinator",
    "communicator": "/desk/texts",
    "admin": "/desk/queue",
}


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/", home, name="home"),
        web.get("/login", login_form, name="login"),
        web.post("/login", login, name="login_post"),
        web.post("/logout", logout, name="logout"),
        web.get("/account", account, name="account"),
        web.post("/language", language, name="language"),
    ]


async def home(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    raise web.HTTPFound(HOME.get(user.role, "/desk/queue"))


async def login_form(request: web.Request) -> web.StreamResponse:
    if await current_session(request) is not None:
        raise web.HTTPFound(f"{COOKIE_PATH}/")
    return _login_page(request, "", None)


def _login_page(
    request: web.Request, name: str, error: str | None, status: int = 200
) -> web.Response:
    """The login page: the password form unless `[desk] local_login = false`, and a single
    sign-on link when `[oidc]` is on."""
    config = login_config_of(request.app)
    context = {
        "name": name,
        "error": error,
        "status": status,
        "local_login": config.local_login,
        "sso": config.oidc is not None,
        "sso_label": config.oidc.label if config.oidc else "",
    }
    return render(request, "login.html", context)


def _client_address(request: web.Request) -> str:
    """The address the login throttle counts.

    Behind the reverse proxy that serves the desk over https every request comes from the
    proxy: counted by the peer alone, five wrong passwords from anyone on the internet would
    lock every desk user out. So when the peer is the proxy (loopback or a private network)
    the last X-Forwarded-For entry counts: the one the proxy itself appended. Entries before
    it are the client's own words and are never used; a peer on the internet is counted as
    itself, whatever it sends."""
    peer = request.remote or "unknown"
    forwarded = request.headers.getall("X-Forwarded-For", [])
    if not forwarded or not _is_proxy(peer):
        return peer
    last = forwarded[-1].split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return peer


def _is_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


async def login(request: web.Request) -> web.StreamResponse:
    if not login_config_of(request.app).local_login:
        # Only single sign-on: a password is refused before anything is checked or counted.
        raise web.HTTPForbidden(text="Desk accounts with a password are switched off here.")
    form = await request.post()
    given = form.get("csrf_token")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if (
        not isinstance(given, str)
        or not expected
        or not hmac.compare_digest(
            given.encode(errors="surrogateescape"), expected.encode(errors="surrogateescape")
        )
    ):
        raise web.HTTPForbidden(text="Missing or wrong CSRF token: reload the page and try again.")
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    services = request.app[DESK_SERVICES]
    now = services.now()
    address = _client_address(request)
    gettext, ngettext = gettext_for(request_locale(request, None))
    # Three transactions on purpose: the try is committed as a failure before the others are
    # counted, so that tries sent at once cannot all pass the limit (desk/throttle.py).
    async with services.engine.begin() as conn:
        attempt = await throttle.begin(conn, name, address, now)
    async with services.engine.begin() as conn:
        wait = await throttle.wait_needed(conn, name, address, now, attempt)
        if wait is not None:
            await throttle.withdraw(conn, attempt)
    if wait is not None:
        services.login_failed("throttled")
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        error = ngettext(
            "Too many failed attempts. Try again in %(num)d minute.",
            "Too many failed attempts. Try again in %(num)d minutes.",
            minutes,
        )
        return _login_page(request, name, error, 429)
    async with services.engine.begin() as conn:
        user = await verify_password(conn, name, password) if name and password else None
        token = None
        if user is not None:
            await throttle.succeeded(conn, attempt, name)
            token = await sessions.create_session(conn, user, now)
    if user is None or token is None:
        services.login_failed("credentials")
        error = gettext("Unknown name or wrong password.")
        return _login_page(request, name, error, 401)
    await audit(request, user, "login")
    response = web.HTTPFound(f"{COOKIE_PATH}/")
    start_session(request, response, token)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    session = await current_session(request)
    assert session is not None
    await audit(request, user, "logout")
    services = request.app[DESK_SERVICES]
    async with services.engine.begin() as conn:
        await sessions.end_session(conn, session.id)
        at_provider = await logs_in_at_provider(conn, user.id)
    target = f"{COOKIE_PATH}/login"
    client = request.app.get(OIDC_CLIENT)
    if at_provider and client is not None:
        # Also log out at the provider (RP-Initiated Logout), which sends the browser back to
        # the login page; else the next "log in" would be let through without a question.
        target = await client.end_session_url() or target
    response = web.HTTPFound(target)
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    raise response


async def account(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    return render(request, "account.html", {"account": user})


async def language(request: web.Request) -> web.StreamResponse:
    user = await require_user(request)
    form = await request.post()
    locale = str(form.get("locale") or "")
    if locale not in LOCALES:
        raise web.HTTPBadRequest(text=f"unknown language {locale!r}; one of {', '.join(LOCALES)}")
    services = request.app[DESK_SERVICES]
    async with services.engine.begin() as conn:
        await conn.execute(update(users_t).where(users_t.c.id == user.id).values(locale=locale))
    await audit(request, user, "account.language", detail={"locale": locale})
    back = str(form.get("back") or "/desk/")
    # Only a path of our own: an open redirect would let a link send people elsewhere.
    raise web.HTTPFound(back if back.startswith("/desk/") and "//" not in back else "/desk/")
