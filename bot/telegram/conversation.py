"""What the handlers share: passing a linked chat's words to the flow engine, linking a chat
by its code, and the answers to a chat we do not know."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import User

from bot.telegram import keyboards
from bot.telegram.answers import locale_of, say
from bot.telegram.deps import TelegramDeps
from casework.chats import case_locale, chat_opted_out, link_chat, linked_case
from casework.link_codes import Outcome, redeem
from casework.replies import Handled, receive


def provider_id(update_id: int) -> str:
    return f"tg:{update_id}"


async def pass_on(deps: TelegramDeps, chat_id: int, text: str, update_id: int) -> Handled:
    """A linked chat's message, handled exactly as an SMS reply: stored (deduplicated on the
    update), understood in context, and answered by the flow engine through the outbox."""
    return await receive(
        deps.engine,
        deps.rules,
        "telegram",
        str(chat_id),
        # PostgreSQL cannot store NUL in text; a visible replacement keeps the rest intact.
        text.replace("\x00", "\ufffd"),
        deps.clock(),
        provider_id(update_id),
    )


async def link_with_code(
    bot: Bot,
    deps: TelegramDeps,
    chat_id: int,
    user: User | None,
    code: str,
    *,
    may_be_words: bool = False,
) -> bool:
    """Try a code and answer the resident. With `may_be_words` (a plain message, not /start)
    a linked chat's text that is no live code is left alone — it is an ordinary message for
    its case, which the caller passes on (False)."""
    now = deps.clock()
    chat = str(chat_id)
    async with deps.engine.begin() as conn:
        current = await linked_case(conn, chat)
        redeemed = await redeem(conn, chat, code, now, deps.secret_key)
        if redeemed.outcome is Outcome.LINKED and redeemed.case_id is not None:
            await link_chat(conn, deps.rules, redeemed.case_id, chat, now)
            locale = await case_locale(conn, redeemed.case_id)
        elif current is not None:
            locale = await case_locale(conn, current)
        else:
            locale = locale_of(user)
    if redeemed.outcome is Outcome.LINKED:
        await say(bot, deps, chat_id, "chat.welcome", locale, keyboards.menu())
        return True
    if current is not None and may_be_words:
        return False
    key = "chat.too_many_tries" if redeemed.outcome is Outcome.TOO_MANY else "chat.code_unknown"
    await say(bot, deps, chat_id, key, locale)
    return True


async def greet_stranger(bot: Bot, deps: TelegramDeps, chat_id: int, user: User | None) -> None:
    """A chat we do not know: ask for the code (no error), unless it asked us to stop."""
    async with deps.engine.connect() as conn:
        stopped = await chat_opted_out(conn, str(chat_id))
        await conn.rollback()
    if not stopped:
        await say(bot, deps, chat_id, "chat.ask_code", locale_of(user))
