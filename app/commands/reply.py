"""`zaadje reply`: one inbound message, handled exactly as the webhooks handle it."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.wiring import case_rules_for
from bot.twilio.whatsapp import PREFIX
from casework.replies import receive


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("reply", help="process one inbound message", parents=[parent])
    parser.add_argument("--channel", choices=("sms", "whatsapp", "telegram"), required=True)
    parser.add_argument(
        "--sender", required=True, help="phone number (also as whatsapp:+31…) or Telegram chat id"
    )
    parser.add_argument("--text", required=True)
    parser.add_argument("--id", dest="provider_id", help="the provider's message id (dedup)")
    add_now_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    sender = args.sender.strip()
    if args.channel == "whatsapp":
        sender = sender.removeprefix(PREFIX)  # as Twilio writes it
    if not sender:
        raise UserError("--sender is empty")

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            handled = await receive(
                engine,
                case_rules_for(settings),
                args.channel,
                sender,
                args.text,
                now,
                args.provider_id,
            )
            return handled.as_dict()

    result = asyncio.run(go())
    if args.json:
        emit_json(result)
    else:
        case = f"case {result['case']}" if result["case"] else "unknown sender"
        print(f"{case}: {result['intent']} → {', '.join(result['actions']) or 'nothing'}")
    return 0
