"""The desk's guard: who is logged in, what their role may do, CSRF, rendering, audit.

CONTRACT shared by every part of the desk (caseworker pages in `desk/`, communicators' pages in
`desk/texts/`, the coordinators' monitor in `desk/monitor/`). The signatures of `User`, `ROLES`,
`require_user`, `render`, `audit`, `DESK_ENGINE` and `DESK_SERVICES` are fixed.

    async def handler(request: web.Request) -> web.StreamResponse:
        user = await require_user(request, "communicator")   # first, always
        ...
        await audit(request, user, "text.publish", detail={"key": key})
        return render(request, "texts/index.html", {"rows": rows})
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiohttp import web
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.printer.batches import PostSettings
from casework.rules import Capacity, CaseRules
from clock.clock import Clock, SystemClock
from desk.i18n import LANGUAGE_NAMES, LOCALES, negotiate, translations
from desk.roles import ROLES, User
from desk.sessions import Session, find_session
from desk.templating import environment
from signals.settings import IntakeSettings
from store.desk_models import DeskAudit
from store.models import table_of

__all__ = [
    "DESK_ENGINE",
    "DESK_SERVICES",
    "ID_PATTERN",
    "ROLES",
    "DeskServices",
    "User",
    "audit",
    "current_session",
    "render",
    "require_user",
]

audit_t = table_of(DeskAudit)

SESSION_COOKIE = "zaadje_desk"
# Before login there is no session to hold a CSRF token: the login form's token is a
# random cookie that the POST must repeat (double submit), so no other site can log a
# browser in under an account of its choosing.
LOGIN_CSRF_COOKIE = "zaadje_desk_login"
COOKIE_PATH = "/desk"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A row id in a route: at most 18 digits, so it fits a 64-bit integer column. A longer
# number would overflow the database driver (a 500) instead of finding no such row (a 404).
ID_PATTERN = "[0-9]{1,18}"


@dataclass
class DeskServices:
    """What desk handlers need besides the request: the database, the case rules (flow,
    calendar, chat invitation), the municipality's placeholders for texts, the team's
    capacity, the intake's rules, the clock, the cookie policy."""

    engine: AsyncEngine
    rules: CaseRules
    values: Mapping[str, Any]  # the municipality's placeholders: gemeente, telefoon
    capacity: Capacity
    intake: IntakeSettings  # the intake's rules, for a case whose address a caseworker completes
    post: PostSettings | None = None  # the sender of letters and cards (`[post]`)
    clock: Clock = field(default_factory=SystemClock)
    secure_cookies: bool = False  # Secure cookies when the desk is served over https
    # Told of each refused login ("credentials" or "throttled"): `app/web_metrics.py` counts them.
    login_failed: Callable[[str], None] = field(default=lambda reason: None)

    def now(self) -> datetime:
        return self.clock.now()


DESK_ENGINE: web.AppKey[AsyncEngine] = web.AppKey("desk_engine", AsyncEngine)
DESK_SERVICES: web.AppKey[DeskServices] = web.AppKey("desk_services", DeskServices)

# Per-request storage: the session (looked up once per request) and the login form's token.
_SESSION: web.RequestKey[Session | None] = web.RequestKey("desk_session", object)  # type: ignore[arg-type]
_LOGIN_CSRF: web.RequestKey[str] = web.RequestKey("desk_login_csrf", str)
_LOGIN_CSRF_NEW: web.RequestKey[str] = web.RequestKey("desk_login_csrf_new", str)


async def current_session(request: web.Request) -> Session | None:
    """The request's live session (cached on the request), or None."""
    if _SESSION in request:
        return request[_SESSION]
    session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services = request.app[DESK_SERVICES]
        async with services.engine.begin() as conn:
            session = await find_session(conn, token, services.now())
    request[_SESSION] = session
    return session


def login_url(request: web.Request) -> str:
    return f"{COOKIE_PATH}/login"


async def require_user(request: web.Request, *roles: str) -> User:
    """The logged-in user. No session → redirect to the login page (GET) or 401 (other
    methods); a role not in `roles` (when given; `admin` may do everything) → 403; a POST
    without a valid CSRF token (form field `csrf_token`) → 403. Call it first in every handler."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    session = await current_session(request)
    if session is None:
        if request.method in ("GET", "HEAD"):
            raise web.HTTPFound(login_url(request))
        raise web.HTTPUnauthorized(text="Log in first.")
    user = session.user
    if roles and user.role not in roles and user.role != "admin":
        raise web.HTTPForbidden(text="Your role may not do this.")
    if request.method not in SAFE_METHODS:
        await check_csrf(request, session.csrf_token)
    return user


async def check_csrf(request: web.Request, expected: str) -> None:
    """403 unless the form field `csrf_token` (or header X-CSRF-Token) matches."""
    given = request.headers.get("X-CSRF-Token", "")
    if not given and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else ""
    if not given or not hmac.compare_digest(
        given.encode(errors="surrogateescape"), expected.encode(errors="surrogateescape")
    ):
        raise web.HTTPForbidden(text="Missing or wrong CSRF token: reload the page and try again.")


def request_locale(request: web.Request, session: Session | None) -> str:
    if session is not None and session.locale in LOCALES:
        return session.locale
    return negotiate(request.headers.get("Accept-Language"))


def login_csrf_token(request: web.Request) -> str:
    """The login form's token: the cookie's, or a new one (set by `render`)."""
    token = request.get(_LOGIN_CSRF) or request.cookies.get(LOGIN_CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request[_LOGIN_CSRF_NEW] = token
    request[_LOGIN_CSRF] = token
    return token


def gettext_for(locale: str) -> tuple[Callable[..., str], Callable[..., str]]:
    tr = translations(locale)

    def gettext(message: str, **values: Any) -> str:
        text = tr.gettext(message)
        return text % values if values else text

    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        text = tr.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    return gettext, ngettext


def formatters(services: DeskServices, locale: str) -> dict[str, Callable[..., str]]:
    """Moments in the municipality's time zone, dates and euros the way `locale` writes them."""
    calendar = services.rules.calendar
    babel_locale = "nl_NL" if locale == "nl" else "en_NL"

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(calendar.local(moment), "d MMM y HH:mm", locale=babel_locale)

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = calendar.local_date(value)
        return format_date(value, "EEE d MMM y", locale=babel_locale)

    def money(cents: int | None) -> str:
        return "" if cents is None else format_currency(cents / 100, "EUR", locale=babel_locale)

    return {"when": when, "day": day, "money": money}


def render(request: web.Request, template: str, context: dict[str, Any]) -> web.Response:
    """Render a Jinja2 template of the desk. Templates extend "base.html" (blocks `title` and
    `content`); `csrf_token`, `user`, `_` (interface text translation) are always available.
    A part keeps its templates in its own folder, e.g. "texts/index.html" for desk/texts.

    Also available: `ngettext`, `locale`, `when(moment)`, `day(date)`, `money(cents)` (in the
    municipality's time zone and the user's language), `path`. A context key `status` sets the
    HTTP status (e.g. 400 for a form with errors)."""
    session: Session | None = request.get(_SESSION)
    locale = request_locale(request, session)
    gettext, ngettext = gettext_for(locale)
    csrf = session.csrf_token if session is not None else login_csrf_token(request)
    values = {
        **formatters(request.app[DESK_SERVICES], locale),
        "csrf_token": csrf,
        "user": session.user if session is not None else None,
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "locale": locale,
        "languages": LANGUAGE_NAMES,
        "request": request,
        "path": request.path,
        **context,
    }
    status = int(context.get("status", 200))
    html = environment().get_template(template).render(values)
    response = web.Response(text=html, content_type="text/html", status=status)
    new_login_token = request.get(_LOGIN_CSRF_NEW)
    if new_login_token:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            new_login_token,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=secure_cookie(request),
        )
    return response


def secure_cookie(request: web.Request) -> bool:
    """Cookies only over https: when configured so (behind a proxy) or when the request is."""
    return request.app[DESK_SERVICES].secure_cookies or request.secure


def start_session(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """Give the browser its session cookie (a password or single sign-on login) and drop the
    login form's CSRF cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure_cookie(request),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)


async def audit(
    request: web.Request,
    user: User,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a desk action (or a case viewed) in the audit log, in its own transaction.

    `detail` holds ids and codes (a task id under "task", a message key, a DDAS result), never
    free text a resident or caseworker wrote."""
    services = request.app[DESK_SERVICES]
    task_id = detail.get("task") if detail else None
    async with services.engine.begin() as conn:
        await conn.execute(
            insert(audit_t).values(
                at=services.now(),
                user_id=user.id,
                user_name=user.name,
                action=action[:60],
                case_id=case_id,
                task_id=task_id if isinstance(task_id, int) else None,
                detail=detail or None,
            )
        )
