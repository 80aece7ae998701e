"""Commands: /start (with or without a code), /stop, /taal.

/start   with a code: link. Without: a chat we do not know is asked for its code; a linked chat
         that had stopped is opted in again (as START by SMS), else it gets the menu again.
/stop    a linked chat: STOP for its case, exactly as by SMS (confirmed, then a person
         reviews). A chat we do not know: that chat gets nothing more from us until /start.
/taal    the language buttons.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, Update

from bot.telegram import keyboards
from bot.telegram.answers import locale_of, say, send
from bot.telegram.conversation import greet_stranger, link_with_code, pass_on
from bot.telegram.deps import TelegramDeps
from casework.chats import (
    case_locale,
    case_opted_out,
    chat_opted_out,
    lift_chat_opt_out,
    linked_case,
    opt_out_chat,
)
from casework.link_codes import as_code


async def confirm_stranger_stop(bot: Bot, deps: TelegramDeps, message: Message) -> None:
    await say(bot, deps, message.chat.id, "sms.optout_confirmed", locale_of(message.from_user))


async def on_start(
    message: Message, bot: Bot, deps: TelegramDeps, command: CommandObject, event_update: Update
) -> None:
    chat_id = message.chat.id
    code = as_code(command.args or "")
    if code is not None:
        await link_with_code(bot, deps, chat_id, message.from_user, code)
        return
    locale = "nl"
    async with deps.engine.begin() as conn:
        case_id = await linked_case(conn, str(chat_id))
        if case_id is None:
            stopped = await chat_opted_out(conn, str(chat_id))
            if stopped:
                await lift_chat_opt_out(conn, str(chat_id))  # /start is the way back in
        else:
            stopped = await case_opted_out(conn, case_id)
            locale = await case_locale(conn, case_id)
    if case_id is None:
        await greet_stranger(bot, deps, chat_id, message.from_user)
    elif stopped:
        await pass_on(deps, chat_id, "START", event_update.update_id)
    else:
        await say(bot, deps, chat_id, "chat.welcome", locale, keyboards.menu())


async def on_stop(message: Message, bot: Bot, deps: TelegramDeps, event_update: Update) -> None:
    chat = str(message.chat.id)
    async with deps.engine.begin() as conn:
        case_id = await linked_case(conn, chat)
        if case_id is None:
            await opt_out_chat(conn, chat, "reply", deps.clock())
    if case_id is not None:
        await pass_on(deps, message.chat.id, "STOP", event_update.update_id)
    else:
        await confirm_stranger_stop(bot, deps, message)


async def on_language(message: Message, bot: Bot) -> None:
    await send(bot, message.chat.id, keyboards.LANGUAGE_QUESTION, keyboards.languages())


def router() -> Router:
    found = Router(name="commands")
    found.message.register(on_start, CommandStart())
    found.message.register(on_stop, Command("stop"))
    found.message.register(on_language, Command("taal", "language", "dil", "jezyk", "mova"))
    return found
