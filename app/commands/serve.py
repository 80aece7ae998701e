"""`zaadje serve`: the HTTP routes and the scheduler in one process (what `make run` starts)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from aiohttp import web

from app.database import open_database
from app.logs import configure_logging
from app.runtime import settings_for
from app.services import Services
from app.web import build_app
from app.wiring import context_for, intervals_for
from scheduler.worker import run_worker


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("serve", help="HTTP routes and the scheduler", parents=[parent])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    configure_logging()
    log = logging.getLogger("zaadje.serve")

    async def go() -> None:
        async with open_database(settings) as engine:
            context = context_for(settings, engine)
            runner = web.AppRunner(build_app(Services(settings, engine, context)))
            await runner.setup()
            site = web.TCPSite(runner, args.host, args.port)
            await site.start()
            log.info("serving on http://%s:%s (simulated channels)", args.host, args.port)
            try:
                await run_worker(
                    context,
                    intervals_for(settings),
                    int(settings.config["retention"]["closed_case_months"]),
                )
            finally:
                await runner.cleanup()

    asyncio.run(go())
    return 0
