"""Button presses: the menu and the dayparts become the replies the SMS menu understands, and
a language button a language choice; the flow engine decides what follows."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Update

from bot.telegram import keyboards
from bot.telegram.answers import say
from bot.telegram.conversation import pass_on
from bot.telegram.deps import TelegramDeps
from casework.chats import linked_case

log = logging.getLogger("zaadje.telegram")


async def on_button(
    query: CallbackQuery, bot: Bot, deps: TelegramDeps, event_update: Update
) -> None:
    try:
        await query.answer()  # stops the button's spinner, whatever follows
    except TelegramBadRequest as exc:  # e.g. "query is too old": the press still counts
        log.info("telegram callback answer refused: %s", exc.message)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    pressed = keyboards.reply_text(query.data or "")
    if pressed is None:
        return  # not data we ever sent: nothing to do
    kind, reply = pressed
    async with deps.engine.connect() as conn:
        case_id = await linked_case(conn, str(chat_id))
        await conn.rollback()
    if case_id is not None:
        await pass_on(deps, chat_id, reply, event_update.update_id)
    else:
        # Not linked yet: ask for the code, in the chosen language when a language was picked.
        locale = reply if kind == keyboards.LANGUAGE else "nl"
        await say(bot, deps, chat_id, "chat.ask_code", locale)


def router() -> Router:
    found = Router(name="buttons")
    found.callback_query.register(on_button, F.data)
    return found
