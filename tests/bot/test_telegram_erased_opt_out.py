"""After an erasure a chat's opt-out is kept only as a hash; the chat side still honours it,
adds no second row, and a /start lifts it (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from casework.chats import chat_opted_out, lift_chat_opt_out, opt_out_chat
from store.engine import make_engine
from store.models import OptOut, table_of
from store.personal import hashed_address

optouts_t = table_of(OptOut)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


async def test_a_hashed_chat_opt_out_holds_and_is_lifted_by_start(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                optouts_t.insert(),
                {"address": hashed_address("telegram:555"), "channel": "telegram",
                 "source": "erased", "created_at": NOW},
            )  # fmt: skip
            assert await chat_opted_out(conn, "555")
            await opt_out_chat(conn, "555", "provider", NOW)  # a block after the erasure
            assert len((await conn.execute(select(optouts_t))).all()) == 1
            await lift_chat_opt_out(conn, "555")
            assert (await conn.execute(select(optouts_t))).all() == []
            assert not await chat_opted_out(conn, "555")
    finally:
        await engine.dispose()
