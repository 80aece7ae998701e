"""The update store: every update from the Bot API is stored (unique `update_id`) before it is
acknowledged, then handled; one whose handling failed is picked up again later."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from store.models import table_of
from store.queries import dialect_insert
from store.telegram_models import TelegramUpdate

updates_t = table_of(TelegramUpdate)

# An update that failed this often is left for a person (it stays in the table, unhandled).
MAX_ATTEMPTS = 10
# How long a process holds an update it is handling; longer than any handling takes.
LEASE = timedelta(minutes=5)


class BadUpdate(ValueError):
    """Not a Bot API update: not a JSON object with an integer `update_id`."""


def update_id_of(payload: Any) -> int:
    if not isinstance(payload, dict):
        raise BadUpdate("an update is a JSON object")
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise BadUpdate("update_id is missing or not an integer")
    if not 0 <= update_id < 2**63:  # Telegram's are positive; the column is a BIGINT
        raise BadUpdate("update_id is out of range")
    return update_id


async def store_update(
    engine: AsyncEngine, payload: dict[str, Any], now: datetime, attempts: int = 0
) -> int | None:
    """Store an update; its row id, or None when this `update_id` was stored before.
    `attempts=1` when the caller handles it right away (it needs no separate claim)."""
    update_id = update_id_of(payload)
    async with engine.begin() as conn:
        stored = await conn.execute(
            dialect_insert(conn, updates_t)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(updates_t.c.id),
            {
                "update_id": update_id,
                "payload": payload,
                "received_at": now,
                "attempts": attempts,
                # Handled right away by the caller: held, so no retry elsewhere takes it.
                "claimed_until": now + LEASE if attempts else None,
            },
        )
        row_id: int | None = stored.scalar()
    return row_id


async def claim(engine: AsyncEngine, row_id: int, now: datetime) -> dict[str, Any] | None:
    """The payload of a stored update that still needs handling and that no other process
    holds; it is then held by this one for LEASE (counting the attempt)."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(updates_t.c.payload, updates_t.c.handled_at, updates_t.c.claimed_until)
                .where(updates_t.c.id == row_id)
                .with_for_update()
            )
        ).first()
        if row is None or row.handled_at is not None:
            return None
        if row.claimed_until is not None and row.claimed_until > now:
            return None  # being handled elsewhere right now
        await conn.execute(
            update(updates_t)
            .where(updates_t.c.id == row_id)
            .values(attempts=updates_t.c.attempts + 1, claimed_until=now + LEASE)
        )
    payload: dict[str, Any] = row.payload
    return payload


async def mark_handled(engine: AsyncEngine, row_id: int, now: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(updates_t)
            .where(updates_t.c.id == row_id)
            .values(handled_at=now, last_error=None, claimed_until=None)
        )


async def mark_failed(engine: AsyncEngine, row_id: int, error: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(updates_t)
            .where(updates_t.c.id == row_id)
            .values(last_error=error[:200], claimed_until=None)  # free for the next retry
        )


async def unhandled_updates(engine: AsyncEngine, before: datetime, limit: int = 100) -> list[int]:
    """Stored updates not handled yet (oldest first), received before `before`."""
    async with engine.connect() as conn:
        ids = [
            r.id
            for r in await conn.execute(
                select(updates_t.c.id)
                .where(
                    updates_t.c.handled_at.is_(None),
                    updates_t.c.received_at < before,
                    updates_t.c.attempts < MAX_ATTEMPTS,
                )
                .order_by(updates_t.c.id)
                .limit(limit)
            )
        ]
        await conn.rollback()
    return ids
