"""Dispatch hands over batch after batch until nothing is due, unless it is told to stop: a
stopping worker finishes the round in flight and starts no further one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest

from app.settings import load_settings
from app.wiring import context_for
from casework.channels import Outgoing, Receipt, Result, Sent, plain_receipt
from scheduler.context import Context
from scheduler.dispatch import dispatch
from scheduler.plan import plan
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine

MONDAY = datetime.fromisoformat("2026-11-02T10:00:00+01:00")
RESIDENTS = 3


class CountingChannel:
    """Sends everything; calls `on_send` after each hand-over."""

    name = "sms"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.on_send = lambda: None

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        self.batches.append(len(messages))
        self.on_send()
        return {m.idempotency_key: Sent(f"SM-{m.idempotency_key}", True) for m in messages}

    async def find(self, message: Outgoing, since: datetime) -> Sent | None:
        return None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)


@asynccontextmanager
async def town(db_url: str, tmp: Path, channel: CountingChannel) -> AsyncIterator[Context]:
    """Three residents with a first message due, dispatched one message per batch."""
    settings = load_settings(db_url)
    engine = make_engine(db_url)
    try:
        ctx = context_for(settings, engine)
        ctx.channels = {"sms": channel}
        ctx.settings.batch_size = 1
        rows = "".join(
            f"A-{i},Huur,640,2026-10-20,Jansen,{10 + i},1234AB,+3161234567{i}\n"
            for i in range(RESIDENTS)
        )
        csv = tmp / "s.csv"
        csv.write_text(
            "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
            + rows,
            encoding="utf-8",
        )
        await ingest_file(
            engine, csv, None, MONDAY, IntakeSettings.from_config(settings.config, ctx.calendar)
        )
        await plan(ctx, MONDAY)
        yield ctx
    finally:
        await engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_stopping_dispatch_starts_no_further_round(db_url: str, tmp_path: Path) -> None:
    channel = CountingChannel()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        stopping = True

    async def go() -> None:
        async with town(db_url, tmp_path, channel) as ctx:
            # Asked to stop while the first batch is out: that batch is recorded, no other starts.
            channel.on_send = stop
            first = await dispatch(ctx, lambda: MONDAY, stopping=lambda: stopping)
            assert first.sent == 1 and channel.batches == [1]
            # Not stopping: batch after batch until nothing is due.
            channel.on_send = lambda: None
            rest = await dispatch(ctx, lambda: MONDAY, stopping=lambda: False)
            assert rest.sent == RESIDENTS - 1 and channel.batches == [1] * RESIDENTS

    asyncio.run(go())
