"""`zaadje letters`: the letters waiting for the post, and the daily print batches.

- `zaadje letters [--json]` lists every letter: waiting, batched, posted or cancelled;
- `zaadje letters batch [--date D] --out FILE.pdf` puts every letter due by D (default today)
  that is in no batch yet into one PDF (at most `[capacity] letters_per_day`, highest priority
  first) and records the batch; `--batch N --out FILE.pdf` writes an unconfirmed batch again,
  byte for byte the same;
- `zaadje letters confirm BATCH` records that the batch went to the post: only then does each
  letter count as a contact attempt (`Brief`) and the ladder's wait start;
- `zaadje letters cancel BATCH`: its letters wait for the next batch.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import (
    add_now_option,
    calendar_for,
    login_name,
    parse_day,
    parse_now,
    settings_for,
)
from app.wiring import case_rules_for
from bot.printer.batches import PostSettings, make_batch
from bot.printer.channel import PrinterChannel
from casework.letters import (
    LetterError,
    batch_pdf,
    cancel_batch,
    confirm_batch,
    list_batches,
    list_letters,
)


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    letters = sub.add_parser(
        "letters", help="letters by post: list them, make the day's batch", parents=[parent]
    )
    letters.set_defaults(handler=run_list)
    letters_sub = letters.add_subparsers(dest="letters_command")
    b = letters_sub.add_parser(
        "batch", help="put the waiting letters into one PDF for the printer", parents=[parent]
    )
    b.add_argument("--date", help="take the letters due up to this day (YYYY-MM-DD)")
    b.add_argument("--out", required=True, help="where to write the PDF")
    b.add_argument("--batch", type=int, help="write this unconfirmed batch's PDF again")
    b.add_argument("--by", help="who makes the batch; default: the logged-in user")
    add_now_option(b)
    b.set_defaults(handler=run_batch)
    c = letters_sub.add_parser(
        "confirm", help="the batch went to the post: its letters count as sent", parents=[parent]
    )
    c.add_argument("batch", type=int, metavar="BATCH")
    add_now_option(c)
    c.set_defaults(handler=run_confirm)
    x = letters_sub.add_parser(
        "cancel", help="the batch will not be posted: its letters wait again", parents=[parent]
    )
    x.add_argument("batch", type=int, metavar="BATCH")
    add_now_option(x)
    x.set_defaults(handler=run_cancel)


def run_list(args: argparse.Namespace) -> int:
    settings = settings_for(args)

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await list_letters(conn), await list_batches(conn)

    letters, batches = asyncio.run(go())
    if args.json:
        emit_json(letters)
        return 0
    for letter in letters:
        in_batch = f" batch {letter['batch']}" if letter["batch"] else ""
        print(
            f"#{letter['id']} case {letter['case']} {letter['message_key']} "
            f"({letter['locale']}): {letter['status']}{in_batch}"
        )
    for made in batches:
        print(
            f"batch {made['id']} {made['day']}: {made['status']}, "
            f"{made['letters']} letter(s), {made['pages']} page(s)"
        )
    if not letters:
        print("no letters")
    return 0


def run_batch(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = parse_now(args.now, calendar)
    day = parse_day(args.date, calendar.local_date(now))
    out = Path(args.out)
    post = PostSettings.from_config(settings.config)
    limit = int(settings.config["capacity"]["letters_per_day"])

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            if args.batch is not None:
                async with engine.connect() as conn:
                    batch, pdf = await batch_pdf(conn, args.batch)
                if pdf is None:
                    raise UserError(f"batch {args.batch} is {batch.status}: its PDF is not kept")
                out.write_bytes(pdf)
                return {
                    "batch": batch.id,
                    "letters": batch.letters,
                    "pages": batch.pages,
                    "file": str(out),
                }
            made = await make_batch(engine, post, calendar, day, now, login_name(args.by), limit)
            if made is None:
                return {"batch": None, "letters": 0, "pages": 0, "file": None}
            out.write_bytes(made.pdf)
            return {
                "batch": made.batch,
                "letters": made.letters,
                "pages": made.pages,
                "file": str(out),
            }

    try:
        result = asyncio.run(go())
    except LetterError as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        emit_json(result)
    elif result["letters"] == 0:
        print("no letters waiting: no batch made")
    else:
        print(
            f"batch {result['batch']}: {result['letters']} letter(s), {result['pages']} page(s) "
            f"in {result['file']}"
        )
    return 0


def _on_batch(
    args: argparse.Namespace, change: Callable[[AsyncConnection, datetime], Awaitable[int]]
) -> int:
    """Change one batch in one transaction at `--now`: how many letters it concerned."""
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))

    async def go() -> int:
        async with open_database(settings) as engine, engine.begin() as conn:
            return await change(conn, now)

    try:
        return asyncio.run(go())
    except LetterError as exc:
        raise UserError(str(exc)) from exc


def run_confirm(args: argparse.Namespace) -> int:
    rules = case_rules_for(settings_for(args))
    posted = _on_batch(
        args, lambda conn, now: confirm_batch(conn, rules, PrinterChannel(), args.batch, now)
    )
    if args.json:
        emit_json({"batch": args.batch, "posted": posted})
    else:
        print(f"batch {args.batch}: {posted} letter(s) recorded as posted")
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    waiting = _on_batch(args, lambda conn, now: cancel_batch(conn, args.batch, now))
    if args.json:
        emit_json({"batch": args.batch, "waiting_again": waiting})
    else:
        print(f"batch {args.batch} cancelled: {waiting} letter(s) wait for the next batch")
    return 0
