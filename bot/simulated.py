"""The simulated channel: records what it "sends" in the database and marks it delivered.

Used by `make run` and the tests when no Twilio/Telegram credentials are configured. Like a
provider with idempotency keys it knows every key it was given, and it counts hand-overs, so a
message handed over twice is visible (and a test can prove it never happens).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.channels import Outgoing, Receipt, Result, Sent, plain_receipt
from store.models import SimulatedMessage, table_of
from store.queries import dialect_insert

table = table_of(SimulatedMessage)


class SimulatedChannel:
    def __init__(self, engine: AsyncEngine, name: str = "sms", latency: float = 0.0) -> None:
        self.engine = engine
        self.name = name
        self.latency = latency  # seconds a provider takes to answer, to rehearse slow days

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        if not messages:
            return {}
        if self.latency:
            await asyncio.sleep(self.latency)
        stmt = dialect_insert(self.engine, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["idempotency_key"], set_={"handovers": table.c.handovers + 1}
        )
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(
                stmt,
                [
                    {
                        "idempotency_key": m.idempotency_key,
                        "channel": m.channel,
                        "to_address": m.to,
                        "text": m.text,
                        "handovers": 1,
                        "sent_at": now,
                    }
                    for m in messages
                ],
            )
        return {
            m.idempotency_key: Sent(f"sim-{m.idempotency_key}", delivered=True) for m in messages
        }

    async def find(self, message: Outgoing, since: datetime) -> Sent | None:
        key = message.idempotency_key
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(table.c.id).where(table.c.idempotency_key == key))
        return Sent(f"sim-{key}", delivered=True) if found else None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)
