"""`zaadje cases`: the prioritised list of cases with their reasons."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from casework.case_list import list_cases
from signals.intake import IntakeSettings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("cases", help="cases by priority, with reasons", parents=[parent])
    parser.add_argument("--state", help="only cases in this state (open, closed)")
    parser.add_argument("--limit", type=int, help="at most this many cases")
    add_now_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = parse_now(args.now, calendar)
    intake = IntakeSettings.from_config(settings.config, calendar)

    async def go() -> list[dict[str, Any]]:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await list_cases(conn, now, intake, args.state, args.limit)

    cases = asyncio.run(go())
    if args.json:
        emit_json(cases)
    else:
        print_cases(cases)
    return 0


def print_cases(cases: list[dict[str, Any]]) -> None:
    if not cases:
        print("no cases")
        return
    for case in cases:
        deadline = f", first contact by {case['deadline']}" if case["deadline"] else ""
        head = f"#{case['id']}  priority {case['priority']}  {case['state']}"
        print(f"{head}  {case['address']}{deadline}")
        print(f"     {'; '.join(case['reasons'])}")
