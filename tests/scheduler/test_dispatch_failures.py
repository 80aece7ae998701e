"""What the dispatcher does when a provider fails: temporary failures are retried later with
growing, jittered waits (Retry-After honoured); a permanent one moves the case to the next
rung of its ladder; a provider's opt-out (Twilio 21610) silences the number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.settings import load_settings
from app.wiring import context_for
from casework.channels import (
    Outgoing,
    PermanentFailure,
    Receipt,
    Result,
    Sent,
    TemporaryFailure,
    plain_receipt,
)
from casework.tasks import list_tasks
from scheduler.context import Context
from scheduler.tick import tick
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from store.models import OptOut, Outbox

PHONE = "+31612345678"
MONDAY = datetime.fromisoformat("2026-11-02T10:00:00+01:00")


class ScriptedChannel:
    """Answers each hand-over with the next scripted result (then: sent)."""

    name = "sms"

    def __init__(self, script: list[Result]) -> None:
        self.script = list(script)
        self.calls: list[str] = []

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        out: dict[str, Result] = {}
        for m in messages:
            self.calls.append(m.idempotency_key)
            out[m.idempotency_key] = self.script.pop(0) if self.script else Sent("ok", True)
        return out

    async def find(self, message: Outgoing, since: datetime) -> Sent | None:
        return None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)


@asynccontextmanager
async def town(db_url: str, tmp: Path, channel: ScriptedChannel) -> AsyncIterator[Context]:
    settings = load_settings(db_url)
    engine = make_engine(db_url)
    try:
        ctx = context_for(settings, engine)
        ctx.channels = {"sms": channel, "telegram": channel}
        csv = tmp / "s.csv"
        csv.write_text(
            "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
            f"A-1,Huur,640,2026-10-20,Jansen,12,1234AB,{PHONE}\n",
            encoding="utf-8",
        )
        intake = IntakeSettings.from_config(settings.config, ctx.calendar)
        await ingest_file(engine, csv, None, MONDAY, intake)
        yield ctx
    finally:
        await engine.dispose()


async def outbox(ctx: Context) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list(await conn.execute(select(Outbox).order_by(Outbox.id)))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_temporary_failures_are_retried_later_with_backoff(db_url: str, tmp_path: Path) -> None:
    channel = ScriptedChannel(
        [TemporaryFailure("503"), TemporaryFailure("429", retry_after=900), Sent("SM1", True)]
    )

    async def go() -> None:
        async with town(db_url, tmp_path, channel) as ctx:
            first = await tick(ctx, MONDAY)
            assert first["retried"] == 1 and first["sent"] == 0
            (row,) = await outbox(ctx)
            assert row.status == "pending" and row.attempts == 1
            wait = row.not_before - MONDAY
            assert timedelta(seconds=15) <= wait <= timedelta(seconds=45)  # 30 s ± jitter
            # Not yet due: nothing is handed over again.
            await tick(ctx, MONDAY + timedelta(seconds=10))
            assert len(channel.calls) == 1
            second_at = row.not_before
            second = await tick(ctx, second_at)
            assert second["retried"] == 1
            (row,) = await outbox(ctx)
            assert row.not_before - second_at >= timedelta(seconds=900)  # Retry-After honoured
            third = await tick(ctx, row.not_before)
            assert third["sent"] == 1
            (row,) = await outbox(ctx)
            assert row.status == "delivered" and row.attempts == 3
            assert channel.calls == [row.idempotency_key] * 3

    run(go())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_permanent_failure_makes_it_a_case_for_a_letter(db_url: str, tmp_path: Path) -> None:
    channel = ScriptedChannel([PermanentFailure("21211 invalid number")])

    async def go() -> None:
        async with town(db_url, tmp_path, channel) as ctx:
            result = await tick(ctx, MONDAY)
            assert result["failed"] == 1
            row, letter = await outbox(ctx)
            assert row.status == "failed" and "21211" in row.last_error
            async with ctx.engine.connect() as conn:
                tasks = await list_tasks(conn, "open")
            # No usable mobile number: a letter, as for a case without one (no calls to it).
            assert tasks == []
            assert (letter.channel, letter.status) == ("letter", "pending")
            # No more SMS to that number: the reminder's day passes without one.
            await tick(ctx, MONDAY + timedelta(days=3))
            assert len(channel.calls) == 1

    run(go())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_provider_opt_out_silences_the_number(db_url: str, tmp_path: Path) -> None:
    channel = ScriptedChannel([PermanentFailure("21610 unsubscribed", opted_out=True)])

    async def go() -> None:
        async with town(db_url, tmp_path, channel) as ctx:
            await tick(ctx, MONDAY)
            async with ctx.engine.connect() as conn:
                blocked = [a for (a,) in await conn.execute(select(OptOut.address))]
                tasks = await list_tasks(conn, "open")
            assert blocked == [PHONE]
            assert [t["kind"] for t in tasks] == ["review"]  # a person decides
            for days in (3, 5, 10):
                await tick(ctx, MONDAY + timedelta(days=days))
            assert len(channel.calls) == 1

    run(go())
