"""Outbox rows: every message to a resident is queued here, and only here, before any channel
sees it. The dispatcher claims, renders and sends them (scheduler/dispatch.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import Outbox, table_of
from store.queries import dialect_insert

outbox_t = table_of(Outbox)


def message_row(
    *,
    idempotency_key: str,
    case_id: int | None,
    channel: str,
    to_address: str,
    locale: str,
    message_key: str,
    not_before: datetime,
    now: datetime,
    values: Mapping[str, Any] | None = None,
    confirms_opt_out: bool = False,
    text: str | None = None,
) -> dict[str, Any]:
    """A pending outbox row. `idempotency_key` makes queueing it twice one message; `text` is
    set only for a caseworker's own words (`desk.free_text`), the rest is rendered when sent."""
    return {
        # The key is an indexed column of at most 120 characters.
        "idempotency_key": idempotency_key[:120],
        "case_id": case_id,
        "channel": channel,
        "to_address": to_address,
        "locale": locale,
        "message_key": message_key,
        "values": dict(values or {}),
        "confirms_opt_out": confirms_opt_out,
        "status": "pending",
        "not_before": not_before,
        "attempts": 0,
        "text": text,
        "created_at": now,
    }


def _insert(conn: AsyncConnection) -> Any:
    return dialect_insert(conn, outbox_t).on_conflict_do_nothing(index_elements=["idempotency_key"])


async def queue_messages(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Queue many rows in one statement; a row whose idempotency key is queued already is
    left out (the engine's keys make a replayed event one message)."""
    if rows:
        await conn.execute(_insert(conn), list(rows))


async def queue_message(conn: AsyncConnection, row: dict[str, Any]) -> int | None:
    """Queue one row: its id, or None when a row with its idempotency key was queued before."""
    inserted = await conn.scalar(_insert(conn).returning(outbox_t.c.id), row)
    return None if inserted is None else int(inserted)
