"""`zaadje worker`: the scheduler alone; run as many as you like against one PostgreSQL.

SIGTERM or SIGINT stops it gracefully (no new pass, the pass in flight finishes, the
database is closed, exit 0 with one log line); a second signal forces the stop (exit 1).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from app.database import open_database
from app.logs import configure_logging
from app.runtime import settings_for
from app.wiring import context_for, intervals_for
from scheduler.worker import StopSignals, run_worker

log = logging.getLogger("zaadje.worker")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("worker", help="run the scheduler passes", parents=[parent])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    configure_logging()
    stop = StopSignals()

    async def go() -> None:
        stop.install()  # first: a signal during start-up asks for a stop, it does not kill
        async with open_database(settings) as engine:
            await run_worker(context_for(settings, engine), intervals_for(settings), stop)

    return stop.run(go(), log)
