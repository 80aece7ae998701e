"""Single sign-on: `/desk/oidc/login` sends the browser to the provider, `/desk/oidc/callback`
takes it back, checks everything and opens a desk session like a password login does.

Both send to the password login page while `[oidc]` is off. A refused login gets a page that
says why in the person's language; the log gets the reason without tokens, claims or names.
"""

from __future__ import annotations

import hmac
import logging
import re

from aiohttp import web

from desk import sessions
from desk.access import (
    COOKIE_PATH,
    DESK_SERVICES,
    audit,
    current_session,
    gettext_for,
    render,
    request_locale,
    secure_cookie,
    start_session,
)
from desk.auth_routes import HOME
from desk.oidc_client import OIDC_CLIENT, OidcClient, ProviderError, TokenRejected
from desk.oidc_state import COOKIE, LIFETIME, seal, start, unseal
from desk.oidc_state import COOKIE_PATH as STATE_PATH
from desk.oidc_users import role_for, sso_user

log = logging.getLogger(__name__)


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/oidc/login", begin, name="oidc_login"),
        web.get("/oidc/callback", callback, name="oidc_callback"),
    ]


def _client(request: web.Request) -> OidcClient:
    client = request.app.get(OIDC_CLIENT)
    if client is None:  # a bookmark from before single sign-on was switched off
        raise web.HTTPFound(f"{COOKIE_PATH}/login")
    return client


async def begin(request: web.Request) -> web.StreamResponse:
    client = _client(request)
    if await current_session(request) is not None:
        raise web.HTTPFound(f"{COOKIE_PATH}/")
    services = request.app[DESK_SERVICES]
    pending = start()
    try:
        target = await client.authorization_url(pending, request_locale(request, None))
    except ProviderError as exc:
        log.warning("single sign-on unavailable: %s", exc)
        return _refused(request, "unreachable", 502)
    response = web.HTTPFound(target)
    # SameSite=Lax, not Strict: the provider's redirect back is a navigation from another
    # site, and the cookie must come along with it.
    response.set_cookie(
        COOKIE,
        seal(pending, client.state_secret, services.now()),
        path=STATE_PATH,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=secure_cookie(request),
    )
    raise response


async def callback(request: web.Request) -> web.StreamResponse:
    client = _client(request)
    services = request.app[DESK_SERVICES]
    now = services.now()
    pending = unseal(request.cookies.get(COOKIE, ""), client.state_secret, now)
    if request.query.get("error"):
        # The person cancelled at the provider, or the provider would not let them in.
        log.info("single sign-on refused by the provider: %s", _code(request.query["error"]))
        return _refused(request, "provider", 401)
    if pending is None or not _same(request.query.get("state", ""), pending.state):
        log.warning("single sign-on refused: no login of this browser has this state")
        return _refused(request, "state", 400)
    code = request.query.get("code", "")
    if not code:
        return _refused(request, "state", 400)
    try:
        tokens = await client.exchange(code, pending)
        claims = await client.verify(tokens, pending, now)
    except TokenRejected as exc:
        log.warning("single sign-on refused: %s", exc)
        return _refused(request, "token", 401)
    except ProviderError as exc:
        log.warning("single sign-on unavailable: %s", exc)
        return _refused(request, "unreachable", 502)
    return await _open_session(request, client, claims)


async def _open_session(
    request: web.Request, client: OidcClient, claims: dict[str, object]
) -> web.StreamResponse:
    services = request.app[DESK_SERVICES]
    now = services.now()
    role = role_for(claims, client.settings)
    if role is None:
        log.warning("single sign-on refused: none of the person's groups is mapped to a role")
        return _refused(request, "no_role", 403)
    try:
        async with services.engine.begin() as conn:
            found = await sso_user(conn, client.settings, claims, role, now)
            token = await sessions.create_session(conn, found.user, now) if found.active else None
    except LookupError:
        return _refused(request, "state", 409)
    if token is None:
        log.warning("single sign-on refused: the desk user is switched off")
        return _refused(request, "inactive", 403)
    user = found.user
    if found.created:
        await audit(
            request, user, "user.add", detail={"user": user.name, "role": role, "via": "oidc"}
        )
    elif found.previous_role is not None:
        await audit(
            request,
            user,
            "user.role",
            detail={"user": user.name, "from": found.previous_role, "to": role, "via": "oidc"},
        )
    await audit(request, user, "login", detail={"via": "oidc"})
    home = HOME.get(role, f"{COOKIE_PATH}/queue")  # where a password login lands too
    # A page that moves on by itself rather than a redirect: the session cookie is SameSite
    # Strict, and a browser leaves it out of a redirect chain that began at the provider's
    # site, so a redirect would land on the login page again.
    response = render(request, "oidc_welcome.html", {"home": home})
    start_session(request, response, token)
    response.del_cookie(COOKIE, path=STATE_PATH)
    return response


def _code(text: str) -> str:
    """An error code from outside, safe to log: no line breaks or other surprises."""
    return re.sub(r"[^A-Za-z0-9_.-]", "?", text[:60])


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(errors="replace"), expected.encode())


def _refused(request: web.Request, reason: str, status: int) -> web.Response:
    gettext, _ = gettext_for(request_locale(request, None))
    messages = {
        "no_role": gettext(
            "Your account has no access to the desk: it is in none of the groups that give "
            "access. Ask the desk's administrator to add you to the right group."
        ),
        "inactive": gettext("Your desk account is switched off. Ask the desk's administrator."),
        "state": gettext(
            "This login attempt is unknown or took too long. Start again from the login page."
        ),
        "token": gettext(
            "The login service's answer could not be trusted, so you were not logged in. "
            "Start again from the login page."
        ),
        "provider": gettext("Logging in at the login service was cancelled or refused."),
        "unreachable": gettext("The login service cannot be reached now. Try again later."),
    }
    response = render(
        request,
        "oidc_refused.html",
        {"message": messages[reason], "reason": reason, "status": status},
    )
    response.del_cookie(COOKIE, path=STATE_PATH)
    return response
