"""`zaadje telegram …`: chat through Telegram.

    zaadje telegram code CASE [--now T]   send the case a link code by SMS (chat.link_code)
    zaadje telegram poll                  development: fetch updates by polling (no webhook)

aiogram is imported inside the commands: it takes seconds to load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.logs import configure_logging
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.wiring import context_for

log = logging.getLogger("zaadje.telegram")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("telegram", help="chat through Telegram", parents=[parent])
    actions = parser.add_subparsers(dest="telegram_command", required=True)
    code = actions.add_parser(
        "code", help="send a case a code by SMS to link its Telegram chat", parents=[parent]
    )
    code.add_argument("case", type=int, help="case id")
    add_now_option(code)
    code.set_defaults(handler=run_code)
    poll = actions.add_parser(
        "poll",
        help="development: fetch updates by polling instead of the webhook",
        parents=[parent],
    )
    poll.set_defaults(handler=run_poll)


def run_code(args: argparse.Namespace) -> int:
    from casework.chat_offer import CannotOffer, offer_chat

    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = parse_now(args.now, calendar)

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine, engine.begin() as conn:
            try:
                offered = await offer_chat(
                    conn,
                    args.case,
                    now,
                    secret_key=settings.secret_key,
                    bot_name=str(settings.config["telegram"]["bot_name"]),
                    calendar=calendar,
                )
            except CannotOffer as exc:
                raise UserError(str(exc)) from exc
        # The code itself is not printed: it is for the resident's phone only.
        return {
            "case": offered.case_id,
            "outbox": offered.outbox_id,
            "expires_at": offered.expires_at.isoformat(),
        }

    result = asyncio.run(go())
    if args.json:
        emit_json(result)
    else:
        print(f"case {result['case']}: code queued by SMS, valid until {result['expires_at']}")
    return 0


def run_poll(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if not settings.telegram_bot_token:
        raise UserError("TELEGRAM_BOT_TOKEN is not set")
    configure_logging()
    from bot.telegram.bots import make_bot
    from bot.telegram.deps import TelegramDeps
    from bot.telegram.handling import UpdateHandler
    from bot.telegram.polling import poll

    def now() -> datetime:
        return datetime.now(UTC)

    async def go() -> None:
        async with open_database(settings) as engine:
            context = context_for(settings, engine)
            deps = TelegramDeps(engine, context.rules, settings.secret_key, context.values, now)
            bot = make_bot(settings.telegram_bot_token or "", settings.telegram_api_base)
            log.info("polling Telegram for updates (development); Ctrl-C stops")
            try:
                await poll(UpdateHandler(bot, deps), now)
            finally:
                await bot.session.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(go())
    return 0
