"""The inbox: every message a resident sends, from any channel, stored before anything else.

Stored first (deduplicated on the provider's id) and in a transaction of its own, so a provider
delivering it twice changes state once and nothing a resident sent is ever dropped: if handling
fails, the inbound pass handles it again (`unhandled`). Handling is casework/replies.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.channels import is_phone_channel
from store.models import Inbound, table_of
from store.queries import dialect_insert

inbound_t = table_of(Inbound)


def normalise_sender(channel: str, sender: str) -> str:
    """Phone numbers as E.164 (Dutch notation allowed), chat ids as given."""
    sender = sender.strip()
    if not is_phone_channel(channel):
        return sender
    try:
        number = phonenumbers.parse(sender, "NL")
    except phonenumbers.NumberParseException:
        return sender
    if not phonenumbers.is_possible_number(number):
        return sender
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Stored:
    inbound_id: int
    handled: bool  # a retried delivery of a message that was already handled


async def store(
    engine: AsyncEngine,
    channel: str,
    sender: str,
    text: str,
    now: datetime,
    provider_id: str,
) -> Stored:
    """Only store an inbound message (deduplicated on the provider's id), for webhooks that
    answer first and `handle()` right after; `receive()` is store-and-handle in one go.
    (The Twilio webhook's PostgreSQL fast path, `bot.twilio.inbox`, does the same insert.)"""
    sender = normalise_sender(channel, sender)
    async with engine.begin() as conn:
        stored = await conn.execute(
            dialect_insert(conn, inbound_t)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(inbound_t.c.id),
            {
                "channel": channel,
                "provider_id": provider_id,
                "sender": sender,
                "text": text,
                "received_at": now,
            },
        )
        inbound_id = stored.scalar()
        if inbound_id is not None:
            return Stored(inbound_id, handled=False)
        previous = (
            await conn.execute(
                select(inbound_t.c.id, inbound_t.c.handled_at).where(
                    inbound_t.c.channel == channel, inbound_t.c.provider_id == provider_id
                )
            )
        ).one()
    return Stored(previous.id, handled=previous.handled_at is not None)


async def unhandled(
    engine: AsyncEngine, before: datetime, limit: int = 100, after: int = 0
) -> list[int]:
    """Inbound messages stored but not handled (handling failed): for the inbound pass,
    page by page (ids above `after`)."""
    async with engine.connect() as conn:
        ids = [
            r.id
            for r in await conn.execute(
                select(inbound_t.c.id)
                .where(
                    inbound_t.c.handled_at.is_(None),
                    inbound_t.c.received_at < before,
                    inbound_t.c.id > after,
                )
                .order_by(inbound_t.c.id)
                .limit(limit)
            )
        ]
        await conn.rollback()
    return ids
