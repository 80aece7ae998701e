"""The whole application as `zaadje serve` builds it (`build_app`), served on 127.0.0.1 for a
test: on a free port, or on a socket the test opened first (when the address must be known
before the application is built, as a single sign-on redirect URI is)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services import Services
from app.settings import Settings
from app.web import build_app
from app.wiring import context_for
from store.engine import make_engine


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT
    app: web.Application
    services: Services
    engine: AsyncEngine


@asynccontextmanager
async def serving(settings: Settings, sock: socket.socket | None = None) -> AsyncIterator[Served]:
    engine = make_engine(settings.database_url)
    try:
        services = Services(settings, engine, context_for(settings, engine))
        app = build_app(services)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            site = web.SockSite(runner, sock) if sock else web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            yield Served(f"http://{host}:{port}", app, services, engine)
        finally:
            await runner.cleanup()
    finally:
        await engine.dispose()
