"""`zaadje worker`: the scheduler alone; run as many as you like against one PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.logs import configure_logging
from app.runtime import settings_for
from app.wiring import context_for, intervals_for
from scheduler.worker import run_worker


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("worker", help="run the scheduler passes", parents=[parent])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    configure_logging()

    async def go() -> None:
        async with open_database(settings) as engine:
            await run_worker(
                context_for(settings, engine),
                intervals_for(settings),
                int(settings.config["retention"]["closed_case_months"]),
            )

    asyncio.run(go())
    return 0
