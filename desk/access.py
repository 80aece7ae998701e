"""The desk's guard: who is logged in, what their role may do, CSRF, rendering, audit.

CONTRACT shared by every part of the desk (caseworker pages in `desk/`, communicators' pages in
`desk/texts/`, the coordinators' monitor in `desk/monitor/`). The bodies are filled in by the desk
core; the signatures stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

ROLES = ("caseworker", "communicator", "coordinator", "admin")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str  # one of ROLES


async def require_user(request: web.Request, *roles: str) -> User:
    """The logged-in user. No session → redirect to the login page (GET) or 401 (other
    methods); a role not in `roles` (when given; `admin` may do everything) → 403; a POST
    without a valid CSRF token (form field `csrf_token`) → 403. Call it first in every handler."""
    raise NotImplementedError


def render(request: web.Request, template: str, context: dict[str, Any]) -> web.Response:
    """Render a Jinja2 template of the desk. Templates extend "base.html" (blocks `title` and
    `content`); `csrf_token`, `user`, `_` (interface text translation) are always available.
    A part keeps its templates in its own folder, e.g. "texts/index.html" for desk/texts."""
    raise NotImplementedError


async def audit(
    request: web.Request,
    user: User,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a desk action (or a case viewed) in the audit log, in its own transaction."""
    raise NotImplementedError
