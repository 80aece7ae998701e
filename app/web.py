"""The HTTP side of `zaadje serve`: health, the webhooks, the simulator and the desk."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import web_desk, web_metrics, web_simulator, web_telegram, web_twilio
from app.services import Services

ENGINE: web.AppKey[AsyncEngine] = web.AppKey("engine", AsyncEngine)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)


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


def build_app(services: Services) -> web.Application:
    app = web.Application()
    app[ENGINE] = services.engine
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    # Metrics last: its middleware measures every part, and it listens to the desk's logins.
    for part in (web_twilio, web_telegram, web_simulator, web_desk, web_metrics):
        part.install(app, services)
    return app
