"""Linking: a message shaped like a code ("K7M 4Q2") is checked as one."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message

from bot.telegram.conversation import link_with_code
from bot.telegram.deps import TelegramDeps
from casework.link_codes import as_code


async def on_code(message: Message, bot: Bot, deps: TelegramDeps, code: str) -> None:
    if not await link_with_code(
        bot, deps, message.chat.id, message.from_user, code, may_be_words=True
    ):
        raise SkipHandler()  # a linked chat's six-letter word: free text for its case


def router() -> Router:
    found = Router(name="linking")
    found.message.register(on_code, F.text.func(as_code).as_("code"))
    return found
