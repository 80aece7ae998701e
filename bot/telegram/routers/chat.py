"""Free text: a linked chat's words go to its case; a chat we do not know is asked for its
code. Anything without text (a photo, a sticker) counts as an empty message."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message, Update

from bot.telegram.conversation import greet_stranger, pass_on
from bot.telegram.deps import TelegramDeps
from bot.telegram.routers.commands import confirm_stranger_stop
from casework.chats import linked_case, opt_out_chat
from flows import IntentKind, parse_intent


async def on_message(message: Message, bot: Bot, deps: TelegramDeps, event_update: Update) -> None:
    text = message.text or message.caption or ""
    chat = str(message.chat.id)
    async with deps.engine.connect() as conn:
        case_id = await linked_case(conn, chat)
        await conn.rollback()
    if case_id is not None:
        await pass_on(deps, message.chat.id, text, event_update.update_id)
        return
    if parse_intent(text).kind is IntentKind.STOP:
        async with deps.engine.begin() as conn:
            await opt_out_chat(conn, chat, "reply", deps.clock())
        await confirm_stranger_stop(bot, deps, message)
        return
    await greet_stranger(bot, deps, message.chat.id, message.from_user)


def router() -> Router:
    found = Router(name="chat")
    found.message.register(on_message)
    return found
