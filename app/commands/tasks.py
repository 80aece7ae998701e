"""`zaadje tasks` and `zaadje task claim|complete`: caseworkers' work from the command line."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.wiring import case_rules_for
from casework.tasks import TaskError, claim, complete, list_tasks

YES = {"yes": True, "ja": True, "no": False, "nee": False}


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    tasks = sub.add_parser("tasks", help="caseworkers' tasks by priority", parents=[parent])
    tasks.add_argument("--status", choices=("open", "claimed", "done", "cancelled"))
    tasks.set_defaults(handler=run_list)

    task = sub.add_parser("task", help="claim or complete a task", parents=[parent])
    task_sub = task.add_subparsers(dest="task_command", required=True)
    c = task_sub.add_parser("claim", help="take a task", parents=[parent])
    c.add_argument("id", type=int)
    c.add_argument("--user", required=True)
    add_now_option(c)
    c.set_defaults(handler=run_claim)
    d = task_sub.add_parser("complete", help="record a task's outcome", parents=[parent])
    d.add_argument("id", type=int)
    d.add_argument("--reached", required=True, choices=sorted(YES))
    d.add_argument("--result", help="DDAS EnumEindresultaat, when the case can be closed")
    d.add_argument("--daypart", choices=("Ochtend", "Middag", "Avond"))
    d.add_argument("--note")
    d.add_argument(
        "--soort",
        help="DDAS contactsoort when the task kind allows another than its own: a home visit "
        'may be "Afspraak op locatie" (default: the kind\'s own)',
    )
    d.add_argument("--user")
    add_now_option(d)
    d.set_defaults(handler=run_complete)


def _print_tasks(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("no tasks")
    for t in rows:
        who = f" ({t['claimed_by']})" if t["claimed_by"] else ""
        print(
            f"#{t['id']} {t['kind']:10} case {t['case']}  priority {t['priority']}  due {t['due']}"
            f"  {t['status']}{who}"
        )


def run_list(args: argparse.Namespace) -> int:
    settings = settings_for(args)

    async def go() -> list[dict[str, Any]]:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await list_tasks(conn, args.status)

    rows = asyncio.run(go())
    emit_json(rows) if args.json else _print_tasks(rows)
    return 0


def _run_one(args: argparse.Namespace, action: Any) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            return await action(settings, engine, now)

    try:
        task = asyncio.run(go())
    except TaskError as exc:
        raise UserError(str(exc)) from exc
    emit_json(task) if args.json else _print_tasks([task])
    return 0


def run_claim(args: argparse.Namespace) -> int:
    return _run_one(args, lambda settings, engine, now: claim(engine, args.id, args.user, now))


def run_complete(args: argparse.Namespace) -> int:
    return _run_one(
        args,
        lambda settings, engine, now: complete(
            engine,
            case_rules_for(settings),
            args.id,
            YES[args.reached],
            now,
            result=args.result,
            daypart=args.daypart,
            note=args.note,
            user=args.user,
            soort=args.soort,
        ),
    )
