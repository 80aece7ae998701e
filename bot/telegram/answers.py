"""The bot's own answers (ask for a code, welcome, wrong code, …): rendered from the catalogue
in the chat's language and sent at once, since the resident is waiting in the chat.

What the flow engine decides (menu answers, reminders) goes through the outbox instead, like
every message of a case. An answer the Bot API refuses for good (blocked, chat gone) is
logged and dropped — the membership update tells us about a block; a temporary failure is
raised, so the stored update is handled again later.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, User

from bot.telegram.deps import TelegramDeps
from flows import LOCALES
from messages import render

log = logging.getLogger("zaadje.telegram")


def locale_of(user: User | None) -> str:
    """The language for a chat we know nothing about: the resident's Telegram language when
    we have a catalogue for it, else Dutch."""
    code = (user.language_code or "") if user else ""
    language = code.split("-")[0].lower()
    return language if language in LOCALES else "nl"


async def say(
    bot: Bot,
    deps: TelegramDeps,
    chat_id: int,
    key: str,
    locale: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    text = render(key, locale, **deps.values)
    await send(bot, chat_id, text, markup)


async def send(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest) as exc:
        log.warning("telegram answer refused: %s", exc.message)
