"""The inbound-SMS webhook as Twilio calls it: only correctly signed requests for our own URL
change anything; a message is stored before it is answered, and a retried delivery changes
state once; the resident's reply reaches the flow and its answer goes out through the outbox."""

from __future__ import annotations

from xml.etree import ElementTree

import aiohttp
import pytest

from scheduler.tick import tick
from tests.bot.conftest import TwilioTown
from tests.bot.twilio_kit import (
    MONDAY,
    PHONE,
    inbound,
    outbox,
    signature,
    sms_form,
    webhooks,
)
from tests.fakes.twilio import FakeTwilio

SMS = "/webhooks/twilio/sms"
SID = "SM" + "b" * 32


async def test_a_signed_reply_is_stored_answered_with_empty_twiml_and_handled(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)  # the first contact went out
    async with webhooks(settings, ctx) as hooks:
        status, content_type, body = await hooks.post(SMS, sms_form(SID, "Ja graag"))
        assert status == 200 and content_type.startswith("application/xml")
        assert [m.provider_id for m in await inbound(ctx)] == [SID]  # stored before answered
        reply = ElementTree.fromstring(body)
        assert reply.tag == "Response" and list(reply) == []  # the answer goes via the outbox
        await hooks.settled()
    (message,) = await inbound(ctx)
    assert (message.provider_id, message.sender, message.text) == (SID, PHONE, "Ja graag")
    assert message.handled_at is not None and message.case_id is not None
    assert message.intent == "yes"


@pytest.mark.parametrize(
    "sign",
    [
        None,  # unsigned
        "bm90IGEgc2lnbmF0dXJl",  # forged
        "other-url",  # signed for another URL of ours: a replay
        "other-host",  # signed for the same path on another host
        "other-token",  # signed with another account's token
        "tampered",  # signed, then the body changed
    ],
)
async def test_anything_not_signed_by_twilio_for_this_url_is_refused_and_changes_nothing(
    twilio_town: TwilioTown, sign: str | None
) -> None:
    settings, ctx = await twilio_town()
    form = sms_form(SID, "STOP")
    header: str | None = {
        "other-url": signature("/webhooks/twilio/status", form),
        "other-host": signature(SMS, form, base="https://elders.example"),
        "other-token": signature(SMS, form, token="another-token"),
        "tampered": signature(SMS, sms_form(SID, "Ja graag")),
    }.get(sign or "", sign)
    async with webhooks(settings, ctx) as hooks:
        status, _, _ = await hooks.post(SMS, form, sign=header)
        await hooks.settled()
    assert status == 403
    assert await inbound(ctx) == []
    assert await outbox(ctx) == []


def _file_upload() -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("Body", b"STOP", filename="body.txt")
    data.add_field("From", PHONE)
    return data


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_file_upload, None),  # a multipart file field: nothing Twilio signs
        (b"Body=STOP", FORM + "; charset=no-such-charset"),
        (b"\xff\xfe=STOP", FORM),  # bytes that are no text
    ],
    ids=["file-upload", "unknown-charset", "not-utf8"],
)
async def test_a_body_that_is_no_form_of_text_is_refused_like_a_forgery_not_a_500(
    twilio_town: TwilioTown, body: object, content_type: str | None
) -> None:
    settings, ctx = await twilio_town()
    headers = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    if content_type:
        headers["Content-Type"] = content_type
    data = body() if callable(body) else body
    async with webhooks(settings, ctx) as hooks:
        for path in (SMS, "/webhooks/twilio/status"):
            response = await hooks.client.post(path, data=data, headers=headers)
            assert (response.status, await response.text()) == (403, "invalid Twilio signature")
            data = body() if callable(body) else body  # a FormData is posted once only
        await hooks.settled()
    assert await inbound(ctx) == []


async def test_a_signed_nul_in_any_field_is_a_clear_400_not_a_500(twilio_town: TwilioTown) -> None:
    settings, ctx = await twilio_town()
    async with webhooks(settings, ctx) as hooks:
        status, _, text = await hooks.post(SMS, sms_form(SID, "Ja", sender="+3161234\x005678"))
        assert (status, text) == (400, "field From contains a NUL character")
        status, _, text = await hooks.post(SMS, sms_form(SID, "J\x00a"))
        assert (status, text) == (400, "field Body contains a NUL character")
    assert await inbound(ctx) == []


async def test_a_retried_delivery_changes_state_once(twilio_town: TwilioTown) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    async with webhooks(settings, ctx) as hooks:
        first = await hooks.post(SMS, sms_form(SID, "Bel me maar"))
        await hooks.settled()
        after_first = [(r.message_key, r.idempotency_key) for r in await outbox(ctx)]
        second = await hooks.post(SMS, sms_form(SID, "Bel me maar"))
        await hooks.settled()
    assert first[0] == second[0] == 200
    assert len(await inbound(ctx)) == 1
    assert [(r.message_key, r.idempotency_key) for r in await outbox(ctx)] == after_first


@pytest.mark.parametrize(
    "text",
    ["Ja 👍", "Ja, graag — bel me ’s avonds", "", "a" * 2000, "مرحبا نعم"],
    ids=["emoji", "unicode", "empty", "2000-chars", "arabic"],
)
async def test_any_body_is_kept_exactly(twilio_town: TwilioTown, text: str) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    async with webhooks(settings, ctx) as hooks:
        status, _, _ = await hooks.post(SMS, sms_form(SID, text))
        await hooks.settled()
    assert status == 200
    (message,) = await inbound(ctx)
    assert message.text == text and message.handled_at is not None


async def test_an_unknown_sender_is_kept_and_answered_politely_through_the_outbox(
    twilio_town: TwilioTown, fake: FakeTwilio
) -> None:
    settings, ctx = await twilio_town()
    stranger = "+31687654321"
    async with webhooks(settings, ctx) as hooks:
        status, _, body = await hooks.post(SMS, sms_form(SID, "Wie is dit?", sender=stranger))
        await hooks.settled()
    assert status == 200 and "<Response" in body
    (message,) = await inbound(ctx)
    assert message.sender == stranger and message.case_id is None
    (answer,) = await outbox(ctx)
    assert (answer.to_address, answer.message_key) == (stranger, "sms.unknown_sender")
    # The answer waits for the next contact slot after the (real) moment it arrived, which
    # may be a Saturday, when no new case is planned: only the stranger's answer is looked at.
    await tick(ctx, max(answer.not_before, MONDAY))
    assert [m["to"] for m in fake.created if m["to"] != PHONE] == [stranger]


async def test_a_signed_request_without_the_needed_fields_is_a_clear_400(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    async with webhooks(settings, ctx) as hooks:
        no_sender = {k: v for k, v in sms_form(SID, "Ja").items() if k != "From"}
        status, _, text = await hooks.post(SMS, no_sender)
        assert (status, text) == (400, "missing field From")
        no_sid = {k: v for k, v in sms_form(SID, "Ja").items() if k not in ("MessageSid", "SmsSid")}
        status, _, text = await hooks.post(SMS, no_sid)
        assert (status, text) == (400, "missing field SmsSid")
    assert await inbound(ctx) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_without_twilio_credentials_the_routes_do_not_exist(
    db_url: str, twilio_town: TwilioTown
) -> None:
    settings, ctx = await twilio_town()
    settings.twilio_account_sid = settings.twilio_auth_token = settings.twilio_from = None
    async with webhooks(settings, ctx) as hooks:
        response = await hooks.client.post(SMS, data=sms_form(SID, "Ja"))
        assert response.status == 404


async def test_shutdown_waits_for_the_handling_of_what_was_acknowledged(
    twilio_town: TwilioTown,
) -> None:
    settings, ctx = await twilio_town()
    await tick(ctx, MONDAY)
    async with webhooks(settings, ctx) as hooks:
        for i in range(5):
            status, _, _ = await hooks.post(SMS, sms_form(f"SM{i:032d}", "Bel me maar"))
            assert status == 200
    # The server stopped without being told to wait: its cleanup finished the handling.
    messages = await inbound(ctx)
    assert len(messages) == 5 and all(m.handled_at is not None for m in messages)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_database_restart_between_requests_loses_no_message(
    db_url: str, twilio_town: TwilioTown
) -> None:
    settings, ctx = await twilio_town()
    async with webhooks(settings, ctx) as hooks:
        assert (await hooks.post(SMS, sms_form(SID, "Ja")))[0] == 200
        await hooks.settled()
        # Every pooled connection dies, as when PostgreSQL restarts.
        async with ctx.engine.connect() as conn:
            await conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        status, _, _ = await hooks.post(SMS, sms_form("SM" + "c" * 32, "Nee"))
        assert status == 200
        await hooks.settled()
    assert [m.text for m in await inbound(ctx)] == ["Ja", "Nee"]
