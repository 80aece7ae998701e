"""The inbound pass works off a whole backlog of stored-but-unhandled messages (after a crash),
page by page, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.settings import Settings
from app.wiring import context_for
from casework.inbox import store
from scheduler.inbound import retry_inbound
from store.engine import make_engine
from store.models import Inbound, table_of

inbound_t = table_of(Inbound)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


async def test_a_backlog_larger_than_one_page_is_handled_in_one_pass(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        ctx = context_for(Settings(database_url=db_url, secret_key_value="k"), engine)
        for n in range(250):  # three pages of strangers' messages, never handled
            await store(engine, "sms", f"+3161234{n:04d}", "hallo", NOW, f"SM{n:032d}")
        assert await retry_inbound(ctx, NOW + timedelta(minutes=5)) == 250
        async with engine.connect() as conn:
            left = await conn.scalar(
                select(func.count()).select_from(inbound_t).where(inbound_t.c.handled_at.is_(None))
            )
        assert left == 0
        assert await retry_inbound(ctx, NOW + timedelta(minutes=6)) == 0
    finally:
        await engine.dispose()
