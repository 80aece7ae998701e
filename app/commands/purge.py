"""`zaadje purge [--now T]`: the retention pass once, at moment T (as the scheduler runs it)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.wiring import context_for
from scheduler.purge import purge


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "purge", help="erase personal data whose retention period is over", parents=[parent]
    )
    add_now_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            return await purge(context_for(settings, engine, with_channels=False), now)

    summary = asyncio.run(go())
    if args.json:
        emit_json(summary)
    elif not summary:
        print("nothing due")
    else:
        for reason, done in summary.items():
            print(f"{reason}: {done['cases']} case(s), {done['signals']} signal(s)")
    return 0
