"""Membership: a resident who blocks the bot (`my_chat_member` → kicked) is opted out, like a
403 "bot was blocked" when sending: for a linked chat its case gets the provider's OptOut
(automatic messages stop, a person reviews), for another chat the chat alone."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ChatMemberUpdated

from bot.telegram.deps import TelegramDeps
from casework.apply import apply_events
from casework.chats import linked_case, opt_out_chat
from flows import OptOut


async def on_member(event: ChatMemberUpdated, deps: TelegramDeps) -> None:
    if event.new_chat_member.status != "kicked":
        return  # unblocking says nothing yet: the resident comes back with /start
    chat = str(event.chat.id)
    now = deps.clock()
    async with deps.engine.begin() as conn:
        case_id = await linked_case(conn, chat)
        if case_id is None:
            await opt_out_chat(conn, chat, "provider", now)
        else:
            await apply_events(conn, [(case_id, OptOut())], now, deps.rules)


def router() -> Router:
    found = Router(name="membership")
    found.my_chat_member.register(on_member)
    return found
