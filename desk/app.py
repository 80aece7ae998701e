"""The desk application, mounted under /desk by `app/web_desk.py`.

Every route needs a logged-in user except the login page and the static files; the guard
middleware enforces that for every part (so a forgotten check in a handler still cannot leak),
and each handler's `require_user` adds its roles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from desk import (
    address_routes,
    admin_routes,
    attempt_routes,
    auth_routes,
    case_routes,
    coordinator_routes,
    oidc_routes,
    post_routes,
    queue_routes,
    task_routes,
)
from desk.access import COOKIE_PATH, DESK_ENGINE, DESK_SERVICES, DeskServices, require_user
from desk.monitor import routes as monitor_routes
from desk.oidc_client import OIDC_CLIENT
from desk.texts import routes as texts_routes

STATIC_DIR = Path(__file__).parent / "static"
# The single sign-on routes are public too: the provider's answer comes before any session.
PUBLIC_PATHS = frozenset(
    {f"{COOKIE_PATH}/login", f"{COOKIE_PATH}/oidc/login", f"{COOKIE_PATH}/oidc/callback"}
)
STATIC_PREFIX = f"{COOKIE_PATH}/static/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    # No scripts at all, nothing from elsewhere, no framing (clickjacking), no sniffing.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def is_public(request: web.Request) -> bool:
    return request.path in PUBLIC_PATHS or request.path.startswith(STATIC_PREFIX)


async def refuse_nul(request: web.Request) -> None:
    """400 for a NUL character in the query or a form field. No one types one, and
    PostgreSQL cannot store or even compare it: a login name with one was a 500 before
    anyone had logged in."""
    values = list(request.query.values())
    if request.method not in ("GET", "HEAD") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            form = await request.post()
        except (ValueError, LookupError) as exc:  # an unknown charset, bytes that are no text
            raise web.HTTPBadRequest(text="The form cannot be read; reload the page.") from exc
        values += [v for v in form.values() if isinstance(v, str)]
    if any("\x00" in value for value in values):
        raise web.HTTPBadRequest(text="The form holds a NUL character; remove it and try again.")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        await refuse_nul(request)
        if not is_public(request):
            await require_user(request)  # login (redirect / 401) and CSRF, for every part
        response = await handler(request)
    except web.HTTPException as refusal:
        # A refusal or redirect is an answer too: a 404 that quotes the path gets nosniff
        # and the policy like any page, and no answer is kept in a cache.
        _protect(request, refusal)
        raise
    _protect(request, response)
    return response


def _protect(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    client = request.app.get(OIDC_CLIENT)
    if client is not None:
        # Logging out is a form whose answer redirects to the provider's end-session endpoint.
        targets = " ".join(client.form_targets())
        policy = SECURITY_HEADERS["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {targets}"
        )
    if not request.path.startswith(STATIC_PREFIX):
        # Pages carry residents' names and amounts: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store"


def build_desk_app(services: DeskServices) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[DESK_SERVICES] = services
    app[DESK_ENGINE] = services.engine
    for module in (
        auth_routes,
        queue_routes,
        case_routes,
        address_routes,
        attempt_routes,
        task_routes,
        coordinator_routes,
        post_routes,
        admin_routes,
        oidc_routes,
    ):
        app.add_routes(module.routes())
    app.add_routes(texts_routes.routes())
    app.add_routes(monitor_routes.routes())
    app.router.add_static("/static/", STATIC_DIR, name="static")
    return app
