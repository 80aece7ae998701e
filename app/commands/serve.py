"""`zaadje serve`: the HTTP routes and the scheduler in one process (what `make run` starts).

SIGTERM or SIGINT stops it gracefully: the listening socket closes at once, requests in
flight are answered, no scheduler pass starts and the one in flight finishes, the parts'
cleanup hooks run, the database is closed, and the process exits 0 with one log line. A
second signal forces the stop (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Any

from aiohttp import web

from app.database import open_database
from app.errors import UserError
from app.logs import AccessLog, configure_logging
from app.runtime import settings_for
from app.services import Services
from app.settings import Settings
from app.web import build_app
from app.web_metrics import pass_observer
from app.web_simulator import simulator_active
from app.wiring import context_for, intervals_for
from bot.simulated import SimulatedChannel
from scheduler.worker import StopSignals, Worker

log = logging.getLogger("zaadje.serve")

# Webhooks and desk pages answer in well under a second; a request still running after
# this long when the service stops is cut off (providers retry unacknowledged webhooks).
HTTP_GRACE_SECONDS = 15.0


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("serve", help="HTTP routes and the scheduler", parents=[parent])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    configure_logging()
    stop = StopSignals()
    return stop.run(serve(settings, args.host, args.port, stop, announce=not args.json), log)


async def serve(
    settings: Settings, host: str, port: int, stop: StopSignals, announce: bool = True
) -> None:
    # Installed first: a signal during start-up is a request to stop, not a kill mid-way.
    stop.install()
    async with open_database(settings) as engine:
        context = context_for(settings, engine)
        services = Services(settings, engine, context)
        app = build_app(services)
        runner = web.AppRunner(app, access_log_class=AccessLog, shutdown_timeout=HTTP_GRACE_SECONDS)
        await runner.setup()
        cleaned = False
        try:
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
                raise UserError(f"cannot listen on {host}:{port}: {reason}") from exc
            worker = Worker(context, intervals_for(settings), pass_observer(app))
            worker.start()
            _announce(services, host, port, announce)
            try:
                await stop.wait()
                # No new pass; then HTTP and the passes in flight wind down side by side.
                cleaned = True
                await asyncio.gather(runner.cleanup(), worker.stop())
            except asyncio.CancelledError:
                worker.abort()
                raise
        finally:
            if not cleaned:
                await runner.cleanup()


def _announce(services: Services, host: str, port: int, to_stdout: bool) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    channels = {
        name: "simulated" if isinstance(channel, SimulatedChannel) else "provider"
        for name, channel in services.context.channels.items()
    }
    simulator = simulator_active(services)
    log.info(
        "serving on %s",
        base,
        extra={"host": host, "port": port, "channels": channels, "simulator": simulator},
    )
    if to_stdout:
        where = f"simulator {base}/simulator/ · " if simulator else ""
        print(f"Zaadje draait op {base}/ — {where}desk {base}/desk/", flush=True)
