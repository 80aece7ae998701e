"""Delivery status callbacks from Twilio: signed like every webhook, applied once, and only
ever forward; what a delivery receipt means for the resident's ladder."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from casework.channels import Outgoing, Receipt, Result, Sent, TemporaryFailure
from casework.tasks import list_tasks
from scheduler.context import Context
from scheduler.tick import tick
from store.models import ContactAttempt, OptOut
from tests.bot.conftest import TwilioTown
from tests.bot.twilio_kit import (
    MONDAY,
    PHONE,
    Webhooks,
    outbox,
    signature,
    status_form,
    webhooks,
)
from tests.fakes.twilio import FakeTwilio

STATUS = "/webhooks/twilio/status"


async def attempts(ctx: Context) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list(await conn.execute(select(ContactAttempt)))


async def open_tasks(ctx: Context) -> list[str]:
    async with ctx.engine.connect() as conn:
        return [t["kind"] for t in await list_tasks(conn, "open")]


async def sent_sid(ctx: Context) -> str:
    (row,) = await outbox(ctx)
    assert row.status == "sent"
    return str(row.provider_id)


async def test_delivered_is_recorded_once_and_counts_as_a_contact_attempt(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        for status in ("sent", "delivered"):
            code, _, _ = await hooks.post(STATUS, status_form(sid, status))
            assert code == 204
        (row,) = await outbox(ctx)
        assert (row.status, row.provider_status) == ("delivered", "delivered")
        assert row.delivered_at is not None
        first = (row.provider_status_at, row.delivered_at)
        code, _, _ = await hooks.post(STATUS, status_form(sid, "delivered"))  # Twilio retries
        assert code == 204
    (row,) = await outbox(ctx)
    assert (row.provider_status_at, row.delivered_at) == first
    (attempt,) = await attempts(ctx)
    assert attempt.soort == "SMS/Whatsapp"  # DDAS EnumContactsoort


async def test_out_of_order_callbacks_never_move_back(twilio_town: TwilioTown) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        for status in ("delivered", "sent", "queued", "sending", "undelivered", "failed"):
            code, _, _ = await hooks.post(STATUS, status_form(sid, status, error="30003"))
            assert code == 204
    (row,) = await outbox(ctx)
    assert (row.status, row.provider_status, row.provider_error) == (
        "delivered",
        "delivered",
        "30003",
    )
    assert len(await attempts(ctx)) == 1


async def test_undelivered_to_a_dead_number_moves_the_ladder_on(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        await hooks.post(STATUS, status_form(sid, "sent"))
        await hooks.post(STATUS, status_form(sid, "undelivered", error="30005"))
        await hooks.post(STATUS, status_form(sid, "undelivered", error="30005"))
    row, letter = await outbox(ctx)
    assert (row.status, row.provider_error) == ("undelivered", "30005")
    assert row.last_error == "twilio 30005: unknown or inactive number"
    # No usable mobile number: a letter by post, as for a case without one; no calls.
    assert await open_tasks(ctx) == []
    assert letter.channel == "letter"
    await tick(ctx, MONDAY + timedelta(days=3))
    assert len(fake.created) == 1  # no reminder to a dead number


async def test_a_handset_that_is_off_leaves_the_ladder_to_its_timers(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        await hooks.post(STATUS, status_form(sid, "undelivered", error="30003"))
    (row,) = await outbox(ctx)
    assert (row.status, row.provider_error) == ("undelivered", "30003")
    assert await open_tasks(ctx) == []
    assert await attempts(ctx) == []


async def test_a_late_block_by_the_resident_is_an_opt_out(twilio_town: TwilioTown) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        await hooks.post(STATUS, status_form(sid, "failed", error="21610"))
    (row,) = await outbox(ctx)
    assert row.status == "failed"
    async with ctx.engine.connect() as conn:
        assert [a for (a,) in await conn.execute(select(OptOut.address))] == [PHONE]
    assert await open_tasks(ctx) == ["review"]


@pytest.mark.parametrize("sign", [None, "forged", "other-url"])
async def test_unsigned_forged_or_replayed_callbacks_are_refused(
    twilio_town: TwilioTown, sign: str | None
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    form = status_form(sid, "delivered")
    header = {
        "forged": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "other-url": signature("/webhooks/twilio/sms", form),
    }.get(sign or "")
    async with webhooks(settings, ctx) as hooks:
        code, _, _ = await hooks.post(STATUS, form, sign=header)
    assert code == 403
    (row,) = await outbox(ctx)
    assert (row.status, row.provider_status) == ("sent", "queued")


async def test_a_callback_that_overtakes_the_dispatcher_is_settled_after_it(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    real = ctx.channels["sms"]

    async with webhooks(settings, ctx) as hooks:

        class FastReceipts:
            """Twilio's receipt arrives before the dispatcher has recorded the batch."""

            name = "sms"

            async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
                results = await real.send_many(messages)
                for result in results.values():
                    assert isinstance(result, Sent)
                    await hooks.post(STATUS, status_form(result.provider_id, "delivered"))
                return results

            async def find(
                self, message: Outgoing, since: datetime
            ) -> Sent | TemporaryFailure | None:
                return await real.find(message, since)

            def receipt(self, status: str, error: str | None) -> Receipt:
                return real.receipt(status, error)

        ctx.channels["sms"] = FastReceipts()
        await tick(ctx, MONDAY)
        # Settled by the dispatcher's own record of the hand-over, in the same transaction.
        (row,) = await outbox(ctx)
        assert (row.status, row.provider_status) == ("delivered", "delivered")
        assert len(await attempts(ctx)) == 1
        # The webhook's own retry comes later and changes nothing.
        await settled_status(hooks, ctx, "delivered")
    assert len(await attempts(ctx)) == 1
    ctx.channels["sms"] = real


async def test_an_overtaking_receipt_is_not_lost_when_the_service_stops_before_it_settles(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    real = ctx.channels["sms"]
    holding = asyncio.Event()
    sids: list[str] = []

    class SlowBatch:
        """The batch is out while the receipts arrive (and the service stops)."""

        name = "sms"

        async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
            results = await real.send_many(messages)
            sids.extend(r.provider_id for r in results.values() if isinstance(r, Sent))
            holding.set()
            await asyncio.sleep(0.2)  # the service stops meanwhile
            return results

        async def find(self, message: Outgoing, since: datetime) -> Sent | TemporaryFailure | None:
            return await real.find(message, since)

        def receipt(self, status: str, error: str | None) -> Receipt:
            return real.receipt(status, error)

    ctx.channels["sms"] = SlowBatch()
    dispatching = asyncio.create_task(tick(ctx, MONDAY))
    await holding.wait()
    async with webhooks(settings, ctx) as hooks:
        (sid,) = sids
        code, _, _ = await hooks.post(STATUS, status_form(sid, "undelivered", error="30005"))
        assert code == 204
    # The webhook app has stopped (its in-memory retries with it); the dispatcher records.
    await dispatching
    row, letter = await outbox(ctx)
    assert (row.status, row.provider_status) == ("undelivered", "undelivered")
    # A dead number: the case goes on as one without a mobile number, with a letter.
    assert await open_tasks(ctx) == []
    assert (letter.channel, letter.message_key) == ("letter", "letter.first_contact")
    ctx.channels["sms"] = real


async def settled_status(hooks: Webhooks, ctx: Context, wanted: str) -> None:
    for _ in range(50):
        await asyncio.sleep(0.1)
        await hooks.settled()
        (row,) = await outbox(ctx)
        if row.status == wanted:
            return
    raise AssertionError(f"status stayed {row.status}")


async def test_an_unknown_message_or_status_changes_nothing(twilio_town: TwilioTown) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    sid = await sent_sid(ctx)
    async with webhooks(settings, ctx) as hooks:
        code, _, _ = await hooks.post(STATUS, status_form("SM" + "f" * 32, "delivered"))
        assert code == 204  # not ours (yet): answered, retried shortly, then logged
        code, _, text = await hooks.post(STATUS, status_form(sid, "exploded"))
        assert code == 400 and text.startswith("MessageStatus 'exploded' is not a status")
    (row,) = await outbox(ctx)
    assert (row.status, row.provider_status) == ("sent", "queued")
