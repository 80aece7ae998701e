"""Chats and cases: which case a chat belongs to, linking one, and a chat's own opt-out.

Channel-neutral in its API (a chat is an address of the channel `CHANNEL`); the Telegram
adapter (`bot/telegram/`) calls these when a resident sends a link code or /stop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.apply import apply_events, load_cases
from casework.optouts import add_opt_out, is_opted_out, lift_opt_out, opt_out_address
from casework.replies import find_case
from casework.rules import CaseRules
from flows import CaseState
from flows.events import ChatLinked
from store.models import Case, table_of

cases_t = table_of(Case)

CHANNEL = "telegram"


async def linked_case(conn: AsyncConnection, chat_id: str) -> int | None:
    return await find_case(conn, CHANNEL, chat_id)


async def case_locale(conn: AsyncConnection, case_id: int) -> str:
    locale = await conn.scalar(select(cases_t.c.locale).where(cases_t.c.id == case_id))
    return str(locale or "nl")


async def link_chat(
    conn: AsyncConnection, rules: CaseRules, case_id: int, chat_id: str, now: datetime
) -> None:
    """Link the chat to the case (under the case's lock): from now on the case's messages go
    by chat, in the case's language. Sending the code is the resident's own choice for this
    chat, so an earlier opt-out of the chat alone (/stop before linking) is lifted; a STOP of
    the case stays as it is."""
    rows = await load_cases(conn, [case_id])
    started = rows[case_id].flow_state is not None
    linked = update(cases_t).where(cases_t.c.id == case_id).values(telegram_chat_id=chat_id)
    # A case under way hears it from the engine (which counts the version); one not yet in
    # outreach starts on the chat anyway: its first state reads the linked chat.
    await conn.execute(linked if started else linked.values(version=cases_t.c.version + 1))
    if started:
        await apply_events(conn, [(case_id, ChatLinked(CHANNEL))], now, rules)
    await lift_chat_opt_out(conn, chat_id)


async def case_opted_out(conn: AsyncConnection, case_id: int) -> bool:
    """Whether the case's resident stopped automatic messages (by SMS, chat or a block)."""
    data = await conn.scalar(select(cases_t.c.flow_state).where(cases_t.c.id == case_id))
    return data is not None and CaseState.from_dict(data).opted_out


async def chat_opted_out(conn: AsyncConnection, chat_id: str) -> bool:
    return await is_opted_out(conn, opt_out_address(CHANNEL, chat_id))


async def opt_out_chat(conn: AsyncConnection, chat_id: str, source: str, now: datetime) -> None:
    """An opt-out of a chat that belongs to no case (a linked chat opts out through its case)."""
    await add_opt_out(conn, CHANNEL, opt_out_address(CHANNEL, chat_id), source, now)


async def lift_chat_opt_out(conn: AsyncConnection, chat_id: str) -> None:
    await lift_opt_out(conn, opt_out_address(CHANNEL, chat_id))
