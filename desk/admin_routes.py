"""Admin pages: desk users and the audit log."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from sqlalchemy import select

from desk.access import DESK_SERVICES, ID_PATTERN, ROLES, audit, render, require_user
from desk.users import UserError, add_user, list_users
from store.desk_models import DeskAudit
from store.models import table_of

audit_t = table_of(DeskAudit)
AUDIT_PAGE = 200


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/admin/users", users_page, name="admin_users"),
        web.post("/admin/users", add_user_action, name="admin_users_add"),
        web.get("/admin/audit", audit_page, name="admin_audit"),
    ]


async def _users_page(request: web.Request, **extra: Any) -> web.Response:
    async with request.app[DESK_SERVICES].engine.connect() as conn:
        users = await list_users(conn)
    return render(request, "admin_users.html", {"users": users, "roles": ROLES, **extra})


async def users_page(request: web.Request) -> web.StreamResponse:
    await require_user(request, "admin")
    return await _users_page(request)


async def add_user_action(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, "admin")
    form = await request.post()
    name = str(form.get("name") or "")
    role = str(form.get("role") or "")
    password = str(form.get("password") or "")
    try:
        added = await add_user(request.app[DESK_SERVICES].engine, name, role, password)
    except UserError as exc:
        return await _users_page(request, error=str(exc), status=400)
    await audit(request, user, "user.add", detail={"user": added.name, "role": added.role})
    raise web.HTTPFound("/desk/admin/users")


async def audit_page(request: web.Request) -> web.StreamResponse:
    await require_user(request, "admin")
    query = select(audit_t).order_by(audit_t.c.id.desc()).limit(AUDIT_PAGE)
    case = request.query.get("case", "")
    if case:
        # Not str.isdigit(): "²" is a digit to it, yet int() refuses it (a 500).
        if not re.fullmatch(ID_PATTERN, case):
            raise web.HTTPBadRequest(text=f"case must be a case number, not {case!r}")
        query = query.where(audit_t.c.case_id == int(case))
    async with request.app[DESK_SERVICES].engine.connect() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(query)]
    return render(request, "admin_audit.html", {"rows": rows, "case": case})
