"""Sending SMS through the real `twilio` client to the local fake Twilio REST API: the exact
requests Twilio receives, what is recorded, and what each kind of refusal does to the
resident's ladder."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.errors import UserError
from app.settings import Settings
from app.wiring import context_for
from bot.twilio.errors import retry_after_seconds
from casework.channels import Outgoing, Receipt, Sent, TemporaryFailure
from casework.tasks import list_tasks
from scheduler.tick import tick
from store.engine import make_engine
from tests.bot.conftest import TwilioTown
from tests.bot.twilio_kit import ACCOUNT, FROM, MONDAY, PHONE, PUBLIC, TOKEN, outbox
from tests.fakes.twilio import FakeTwilio

SERVICE = "MG" + "a" * 32


async def open_tasks(ctx: object) -> list[str]:
    async with ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        return [t["kind"] for t in await list_tasks(conn, "open")]


async def test_first_contact_is_one_exact_request_and_the_sid_is_kept(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    _, ctx = await twilio_town()
    result = await tick(ctx, MONDAY)
    assert result["sent"] == 1
    (request,) = fake.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.auth == (ACCOUNT, TOKEN)
    (row,) = await outbox(ctx)
    assert request.form == {
        "To": PHONE,
        "From": FROM,
        "Body": row.text,
        "StatusCallback": f"{PUBLIC}/webhooks/twilio/status",
    }
    assert "Gemeente Voorbeeld" in row.text
    assert row.status == "sent"
    assert row.provider_id == fake.created[0]["sid"]
    assert row.provider_status == "queued"


async def test_a_messaging_service_is_sent_instead_of_a_number(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    _, ctx = await twilio_town(twilio_from=None, twilio_messaging_service_sid=SERVICE)
    await tick(ctx, MONDAY)
    (request,) = fake.requests
    assert request.form["MessagingServiceSid"] == SERVICE
    assert "From" not in request.form
    (row,) = await outbox(ctx)
    assert row.status == "sent" and row.provider_status == "accepted"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "text",
    ["Hoi 👋 financiële hulp — “gratis”", "x" * 2000, "€ ^{}[~]|\\ à ß 中文"],
    ids=["emoji", "2000-chars", "gsm-escapes-and-cjk"],
)
async def test_bodies_reach_twilio_exactly(
    db_url: str, twilio_town: TwilioTown, fake: FakeTwilio, text: str
) -> None:
    _, ctx = await twilio_town()
    outcome = await ctx.channels["sms"].send_many([Outgoing("k1", "sms", PHONE, text)])
    assert isinstance(outcome["k1"], Sent)
    assert fake.requests[0].form["Body"] == text


@pytest.mark.parametrize("code", [21211, 21614])
async def test_an_unusable_number_fails_for_good_and_the_ladder_moves_on(
    twilio_town: TwilioTown, fake: FakeTwilio, code: int
) -> None:
    fake.refuse(PHONE, code)
    _, ctx = await twilio_town()
    result = await tick(ctx, MONDAY)
    assert result["failed"] == 1
    row, letter = await outbox(ctx)
    assert row.status == "failed" and row.last_error.startswith(f"twilio {code}")
    assert PHONE not in row.last_error  # our own reason, not Twilio's text quoting the number
    # No usable mobile number: a letter by post, as for a case without one; no calls.
    assert await open_tasks(ctx) == []
    assert letter.channel == "letter"
    await tick(ctx, MONDAY + timedelta(days=3))
    assert len(fake.requests) == 1  # no reminder to a dead number


async def test_a_resident_who_blocked_us_is_opted_out(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    fake.refuse(PHONE, 21610)
    _, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    (row,) = await outbox(ctx)
    assert row.status == "failed" and "21610" in row.last_error
    assert await open_tasks(ctx) == ["review"]
    for days in (3, 5, 10):
        await tick(ctx, MONDAY + timedelta(days=days))
    assert len(fake.requests) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("trouble", ["20003", "21606", "21999"])
async def test_our_own_configuration_errors_do_not_cost_the_resident_a_rung(
    db_url: str,
    twilio_town: TwilioTown,
    fake: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
    trouble: str,
) -> None:
    if trouble == "20003":  # wrong credentials: the fake answers as Twilio does
        _, ctx = await twilio_town(twilio_auth_token="not-the-token")
    else:  # 21606 a sender that cannot send; 21999 a refusal we do not know
        _, ctx = await twilio_town()
        fake.fail_next(1, status=400, code=int(trouble))
    with caplog.at_level(logging.ERROR, logger="zaadje.twilio"):
        result = await tick(ctx, MONDAY)
    assert result["retried"] == 1 and result["escalated"] == 0
    (row,) = await outbox(ctx)
    assert row.status == "pending" and trouble in row.last_error
    assert await open_tasks(ctx) == []  # the ladder is not burnt
    assert any(trouble in r.getMessage() for r in caplog.records)
    assert not any(PHONE in r.getMessage() or PHONE[3:] in r.getMessage() for r in caplog.records)


async def test_an_outage_loses_nothing_and_doubles_nothing(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    phones = tuple(f"+316123450{i:02d}" for i in range(12))
    _, ctx = await twilio_town(phones=phones)
    fake.fail_next(20, status=503)  # the first batch, and part of the first retry
    now = MONDAY
    for _ in range(8):
        await tick(ctx, now)
        rows = await outbox(ctx)
        if all(r.status == "sent" for r in rows):
            break
        now = max(r.not_before for r in rows if r.status == "pending")
    rows = await outbox(ctx)
    assert len(rows) == 12 and {r.status for r in rows} == {"sent"}
    assert sorted(m["to"] for m in fake.created) == sorted(phones)  # each exactly once
    assert {r.provider_id for r in rows} == {m["sid"] for m in fake.created}
    assert len(fake.requests) == 12 + 20


async def test_a_rate_limit_is_waited_out_as_twilio_asks(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    fake.fail_next(1, status=429, code=20429, retry_after="600")
    _, ctx = await twilio_town()
    result = await tick(ctx, MONDAY)
    assert result["retried"] == 1
    (row,) = await outbox(ctx)
    assert row.not_before - MONDAY >= timedelta(seconds=600)
    await tick(ctx, MONDAY + timedelta(seconds=300))
    assert len(fake.requests) == 1  # not before Twilio said
    await tick(ctx, row.not_before)
    (row,) = await outbox(ctx)
    assert row.status == "sent" and len(fake.created) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_timeout_and_a_refused_connection_are_retried(
    db_url: str, twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    _, ctx = await twilio_town()
    channel = ctx.channels["sms"]
    channel.config = channel.config.__class__(  # type: ignore[attr-defined]
        **{**channel.config.__dict__, "timeout_seconds": 0.2}  # type: ignore[attr-defined]
    )
    channel.http.timeout = 0.2  # type: ignore[attr-defined]
    fake.hang_next(1, seconds=0.4)
    slow = await channel.send_many([Outgoing("k1", "sms", PHONE, "Hallo")])
    assert isinstance(slow["k1"], TemporaryFailure) and "Timeout" in slow["k1"].reason
    await fake.close()
    gone = await channel.send_many([Outgoing("k2", "sms", PHONE, "Hallo")])
    assert isinstance(gone["k2"], TemporaryFailure) and "unreachable" in gone["k2"].reason


async def test_the_configured_rate_is_respected(twilio_town: TwilioTown, fake: FakeTwilio) -> None:
    phones = tuple(f"+316123451{i:02d}" for i in range(60))
    _, ctx = await twilio_town(phones=phones)
    ctx.rate_per_second["sms"] = 20.0
    await tick(ctx, MONDAY)
    assert len(fake.created) == 60
    times = sorted(r.at for r in fake.requests)
    # A full bucket (20) goes at once; the other 40 need two more seconds at 20 per second.
    # (Measured at the fake: on a busy machine the first requests arrive late, by up to a few
    # tenths of a second, which shortens what is seen by as much.)
    assert times[-1] - times[0] >= 1.5
    assert sum(1 for t in times if t < times[0] + 0.5) <= 30  # the bucket + half a second


async def test_a_crash_after_the_hand_over_does_not_send_twice(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    _, ctx = await twilio_town()
    real = ctx.channels["sms"]

    class DiesAfterHandOver:
        name = "sms"

        async def send_many(self, messages: list[Outgoing]) -> dict[str, object]:
            await real.send_many(messages)
            raise RuntimeError("worker killed before recording")

        async def find(self, message: Outgoing, since: datetime) -> Sent | TemporaryFailure | None:
            return await real.find(message, since)

        def receipt(self, status: str, error: str | None) -> Receipt:
            return real.receipt(status, error)

    ctx.channels["sms"] = DiesAfterHandOver()  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        await tick(ctx, MONDAY)
    (row,) = await outbox(ctx)
    assert row.status == "sending" and row.provider_id == fake.created[0]["sid"]
    ctx.channels["sms"] = real
    later = MONDAY + timedelta(seconds=ctx.settings.lease_seconds + 1)
    result = await tick(ctx, later)
    assert result["sent"] == 1
    (row,) = await outbox(ctx)
    assert row.status == "sent" and len(fake.requests) == 1  # recovered, not resent


def test_half_a_configuration_is_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    cases = [
        ({"twilio_account_sid": ACCOUNT}, "TWILIO_AUTH_TOKEN"),
        ({"twilio_account_sid": ACCOUNT, "twilio_auth_token": TOKEN}, "TWILIO_FROM"),
        (
            {"twilio_account_sid": ACCOUNT, "twilio_auth_token": TOKEN, "twilio_from": "Gemeente"},
            "alphanumeric",
        ),
        (
            {
                "twilio_account_sid": ACCOUNT,
                "twilio_auth_token": TOKEN,
                "twilio_messaging_service_sid": "MG123",
            },
            "TWILIO_MESSAGING_SERVICE_SID",
        ),
    ]
    for values, named in cases:
        with pytest.raises(UserError, match=named):
            context_for(Settings(**values), engine)
    assert context_for(Settings(), engine).channels["sms"].__class__.__name__ == "SimulatedChannel"


def test_retry_after_is_read_in_both_of_its_forms() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Mon, 02 Nov 2026 09:05:00 GMT", now) == 300.0
    assert retry_after_seconds("Mon, 02 Nov 2026 08:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
