"""A stored Telegram update is handled by one process at a time: whoever claims it holds it
for a lease, so a second process's retry leaves it alone until the lease runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.telegram import updates
from store.engine import make_engine

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
UPDATE = {
    "update_id": 7001,
    "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "1"},
}


async def test_a_claimed_update_is_not_claimed_again_until_its_lease_runs_out(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        row_id = await updates.store_update(engine, UPDATE, NOW)
        assert row_id is not None
        assert await updates.claim(engine, row_id, NOW) == UPDATE  # process A
        assert await updates.claim(engine, row_id, NOW + timedelta(seconds=30)) is None  # B
        # A crashed: after the lease the update is claimed again, and once handled, never.
        later = NOW + updates.LEASE + timedelta(seconds=1)
        assert await updates.claim(engine, row_id, later) == UPDATE
        await updates.mark_handled(engine, row_id, later)
        assert await updates.claim(engine, row_id, later + updates.LEASE * 2) is None
    finally:
        await engine.dispose()


async def test_a_failed_attempt_frees_the_update_for_the_next_retry(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        row_id = await updates.store_update(engine, UPDATE, NOW, attempts=1)  # handled at once
        assert row_id is not None
        assert await updates.claim(engine, row_id, NOW + timedelta(seconds=5)) is None
        await updates.mark_failed(engine, row_id, "TelegramNetworkError")
        assert await updates.claim(engine, row_id, NOW + timedelta(seconds=10)) == UPDATE
    finally:
        await engine.dispose()
