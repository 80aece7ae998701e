"""Property tests (hypothesis) on the whole outreach loop, SQLite, random lives of residents:
no message is ever handed to a channel outside contact hours, after an opt-out (save the one
STOP confirmation), or twice for one idempotency key."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.settings import load_settings
from app.wiring import context_for
from casework.channels import Outgoing, Receipt, Result, Sent, plain_receipt
from casework.replies import receive
from casework.tasks import complete, list_tasks
from scheduler.tick import tick
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from store.models import OptOut, Outbox

PHONES = ["+31612340001", "+31612340002", "+31612340003"]
SIGNALS = (
    "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer,crisissignaal\n"
    + "".join(
        f"P{i},{partner},500,2026-10-01,Naam,{i + 1},1234AB,{phone},{crisis}\n"
        for i, (phone, partner, crisis) in enumerate(
            zip(PHONES, ["Huur", "Energie", "Zorg"], ["nee", "ja", "nee"], strict=True)
        )
    )
)
START = datetime.fromisoformat("2026-11-02T07:00:00+01:00")  # a Monday morning


class Now:
    moment = START


class CheckingChannel:
    """A channel that checks every hand-over against the rules, at the moment it happens."""

    name = "sms"

    def __init__(self, engine: Any, calendar: Any) -> None:
        self.engine = engine
        self.calendar = calendar
        self.handed: list[str] = []

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        async with self.engine.connect() as conn:
            blocked = {a for (a,) in await conn.execute(select(OptOut.address))}
            confirms = {
                k: c
                for k, c in await conn.execute(
                    select(Outbox.idempotency_key, Outbox.confirms_opt_out)
                )
            }
        for m in messages:
            assert self.calendar.in_contact_hours(Now.moment), (
                f"{m.idempotency_key} at {Now.moment}"
            )
            assert m.to not in blocked or confirms[m.idempotency_key], f"{m.to} opted out"
            assert m.idempotency_key not in self.handed, f"{m.idempotency_key} handed over twice"
            self.handed.append(m.idempotency_key)
        return {m.idempotency_key: Sent(f"p-{m.idempotency_key}", delivered=True) for m in messages}

    async def find(self, message: Outgoing, since: datetime) -> Sent | None:
        return None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)


operation = st.one_of(
    st.tuples(st.just("tick"), st.integers(min_value=10, max_value=60 * 30)),
    st.tuples(
        st.just("reply"),
        st.sampled_from(PHONES),
        st.sampled_from(["1", "2", "3", "STOP", "start", "avond", "Ochtend", "wat?", "help"]),
    ),
    st.tuples(st.just("task"), st.booleans()),
)


async def live(ops: list[tuple[Any, ...]], db: Path) -> CheckingChannel:
    settings_ = load_settings(f"sqlite:///{db}")
    engine = make_engine(settings_.database_url)
    try:
        ctx = context_for(settings_, engine)
        channel = CheckingChannel(engine, ctx.calendar)
        ctx.channels = {"sms": channel, "telegram": channel}
        csv = db.with_suffix(".csv")
        csv.write_text(SIGNALS, encoding="utf-8")
        Now.moment = START
        await ingest_file(
            engine, csv, None, START, IntakeSettings.from_config(settings_.config, ctx.calendar)
        )
        for op in ops:
            if op[0] == "tick":
                Now.moment += timedelta(minutes=op[1])
                await tick(ctx, Now.moment)
            elif op[0] == "reply":
                Now.moment += timedelta(minutes=1)
                await receive(engine, ctx.rules, "sms", op[1], op[2], Now.moment)
            else:
                async with engine.connect() as conn:
                    tasks = await list_tasks(conn, "open")
                if tasks:
                    Now.moment += timedelta(minutes=5)
                    await complete(engine, ctx.rules, tasks[0]["id"], op[1], Now.moment)
        # Let every timer and wait run out over the next weeks.
        for _ in range(40):
            Now.moment += timedelta(hours=13)
            await tick(ctx, Now.moment)
    finally:
        await engine.dispose()
    return channel


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_lives_never_break_the_sending_rules(sqlite_template: Path, ops: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "z.db"
        shutil.copyfile(sqlite_template, db)
        channel = asyncio.run(live(ops, db))
    assert len(channel.handed) == len(set(channel.handed))
    assert channel.handed, "the residents' first contact always goes out"
