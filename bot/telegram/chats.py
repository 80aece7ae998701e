"""Chats and cases: which case a chat belongs to, linking one, and a chat's own opt-out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.inbound import find_case
from casework.apply import is_opted_out, lift_opt_out, load_cases, opt_out_address
from flows import CaseState
from store.models import Case, OptOut, table_of

cases_t = table_of(Case)
optouts_t = table_of(OptOut)

CHANNEL = "telegram"


async def linked_case(conn: AsyncConnection, chat_id: str) -> int | None:
    return await find_case(conn, CHANNEL, chat_id)


async def case_locale(conn: AsyncConnection, case_id: int) -> str:
    locale = await conn.scalar(select(cases_t.c.locale).where(cases_t.c.id == case_id))
    return str(locale or "nl")


async def link_chat(conn: AsyncConnection, case_id: int, chat_id: str) -> None:
    """Link the chat to the case (under the case's lock): from now on the case's messages go
    by chat, in the case's language. Sending the code is the resident's own choice for this
    chat, so an earlier opt-out of the chat alone (/stop before linking) is lifted; a STOP of
    the case stays as it is."""
    rows = await load_cases(conn, [case_id])
    row = rows[case_id]
    values: dict[str, object] = {"telegram_chat_id": chat_id, "version": cases_t.c.version + 1}
    if row.flow_state is not None:
        state = CaseState.from_dict(row.flow_state).evolve(channel=CHANNEL)
        values["flow_state"] = state.to_dict()
    await conn.execute(update(cases_t).where(cases_t.c.id == case_id).values(**values))
    await lift_chat_opt_out(conn, chat_id)


async def case_opted_out(conn: AsyncConnection, case_id: int) -> bool:
    """Whether the case's resident stopped automatic messages (by SMS, chat or a block)."""
    data = await conn.scalar(select(cases_t.c.flow_state).where(cases_t.c.id == case_id))
    return data is not None and CaseState.from_dict(data).opted_out


async def chat_opted_out(conn: AsyncConnection, chat_id: str) -> bool:
    return await is_opted_out(conn, opt_out_address(CHANNEL, chat_id))


async def opt_out_chat(conn: AsyncConnection, chat_id: str, source: str, now: datetime) -> None:
    """An opt-out of a chat that belongs to no case (a linked chat opts out through its case)."""
    if await chat_opted_out(conn, chat_id):
        return  # kept already (perhaps as a hash, after an erasure): one row per person
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(optouts_t).on_conflict_do_nothing(index_elements=["address"]),
        {
            "address": opt_out_address(CHANNEL, chat_id),
            "channel": CHANNEL,
            "source": source,
            "created_at": now,
        },
    )


async def lift_chat_opt_out(conn: AsyncConnection, chat_id: str) -> None:
    await lift_opt_out(conn, opt_out_address(CHANNEL, chat_id))
