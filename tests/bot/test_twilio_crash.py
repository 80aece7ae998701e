"""No duplicate SMS after a crash: a worker killed between Twilio's answer and the write of the
MessageSid (fault injection, not timing luck) leaves messages Twilio has but we do not know
of; the recovery asks Twilio (its Messages list, by `To` and `DateSent`, matched on the body)
and adopts them instead of sending again. Counted at the fake: none twice, none lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from scheduler.tick import tick
from tests.bot.conftest import TwilioTown
from tests.bot.twilio_kit import ACCOUNT, FROM, MONDAY, PUBLIC, TOKEN, outbox
from tests.fakes.twilio import FakeTwilio

PHONES = tuple(f"+316123{i:05d}" for i in range(40))
KILL_AT = 7  # the worker dies right after Twilio's 7th answer, before writing its SID

# The worker: `zaadje tick`, with the SID write after Twilio's answer replaced by a SIGKILL on
# the KILL_AT-th message (its own process: nothing of it runs after the kill).
WORKER = f"""
import os, signal, sys
from bot.twilio.channel import TwilioChannel

write_sid = TwilioChannel._remember
answers = 0

async def remember(self, key, sid, status):
    global answers
    answers += 1
    if answers == {KILL_AT}:
        os.kill(os.getpid(), signal.SIGKILL)
    await write_sid(self, key, sid, status)

TwilioChannel._remember = remember
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""


async def killed_worker(db_url: str, fake: FakeTwilio, cwd: Path) -> int:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_", "ZAADJE_"))
    }
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM=FROM,
        TWILIO_API_BASE=fake.base_url,
        PUBLIC_BASE_URL=PUBLIC,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        "tick",
        "--now",
        MONDAY.isoformat(),
        "--db",
        db_url,
        cwd=cwd,
        env=env,
    )
    return await process.wait()


async def test_a_worker_killed_before_writing_the_sid_sends_nothing_twice(
    db_url: str, twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    _, ctx = await twilio_town(phones=PHONES)
    code = await killed_worker(db_url, fake, tmp_path)
    assert code == -signal.SIGKILL
    # The fault landed in the window: Twilio has messages whose SID no row of ours carries.
    rows = await outbox(ctx)
    # (The first batch is as large as the SMS rate allows; the rest was still waiting.)
    assert len(rows) == len(PHONES) and {r.status for r in rows} == {"sending", "pending"}
    recorded = {r.provider_id for r in rows if r.provider_id}
    unknown = [m for m in fake.created if m["sid"] not in recorded]
    assert len(fake.created) >= KILL_AT and unknown

    # Another worker recovers the batch once its lease ran out.
    later = MONDAY + timedelta(seconds=ctx.settings.lease_seconds + 1)
    result = await tick(ctx, later)
    assert result["sent"] == len(PHONES)
    per_number = Counter(m["to"] for m in fake.created)
    assert per_number == Counter(PHONES)  # every resident exactly once: none twice, none lost
    rows = await outbox(ctx)
    assert all(r.status == "sent" for r in rows)
    sid_of = {m["to"]: m["sid"] for m in fake.created}
    assert {r.to_address: r.provider_id for r in rows} == sid_of  # adopted, not re-sent
