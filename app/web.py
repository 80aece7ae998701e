"""The HTTP side of `zaadje serve`: health now; the webhooks and the desk attach here."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ENGINE: web.AppKey[AsyncEngine] = web.AppKey("engine", AsyncEngine)


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.rollback()
    except Exception as exc:  # the operator needs an answer, not a stack trace
        return web.json_response(
            {"status": "degraded", "database": f"error: {type(exc).__name__}"}, status=503
        )
    return web.json_response({"status": "ok", "database": "ok"})


def build_app(engine: AsyncEngine) -> web.Application:
    app = web.Application()
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    return app
