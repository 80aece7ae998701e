"""WhatsApp through Twilio, against the local fake: templates outside the 24-hour window,
free text inside it, buttons, SMS at once when WhatsApp cannot take a message (never a
second message, never a failed contact attempt), read receipts, STOP, and the webhook's
dedup and signature."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.cli import main
from casework.replies import receive
from messages import render
from scheduler.context import Context
from scheduler.tick import tick
from store.models import Case, ContactAttempt, OptOut
from tests.bot.conftest import TwilioTown
from tests.bot.twilio_kit import FROM, MONDAY, PHONE, inbound, outbox, webhooks
from tests.bot.whatsapp_kit import WHATSAPP_FROM, whatsapp_config, whatsapp_form, whatsapp_status
from tests.fakes.twilio import FakeTwilio

INBOUND = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"
TUESDAY = MONDAY + timedelta(days=1)


async def town(twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path, **kw: Any) -> Any:
    return await twilio_town(config_path=whatsapp_config(tmp_path, fake, **kw))


async def answered(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path, channel: str, text: str
) -> Context:
    """The first contact went out on Monday; a minute later the resident answers `text`."""
    _, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    await receive(ctx.engine, ctx.rules, channel, PHONE, text, MONDAY + timedelta(minutes=1))
    return ctx


async def attempts(ctx: Context) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list(await conn.execute(select(ContactAttempt)))


async def sms_only(ctx: Context) -> bool:
    async with ctx.engine.connect() as conn:
        return bool(await conn.scalar(select(Case.sms_only)))


def to_whatsapp(fake: FakeTwilio) -> list[dict[str, Any]]:
    return [r.form for r in fake.requests if r.form.get("To") == f"whatsapp:{PHONE}"]


def to_sms(fake: FakeTwilio) -> list[dict[str, Any]]:
    return [r.form for r in fake.requests if r.form.get("To") == PHONE]


async def test_the_first_contact_goes_as_the_approved_template_with_its_variables(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    _, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    (request,) = to_whatsapp(fake)
    assert request["From"] == WHATSAPP_FROM
    assert request["ContentSid"].startswith("HX") and "Body" not in request
    variables = json.loads(request["ContentVariables"])
    assert variables == {"1": ctx.values["gemeente"], "2": ctx.values["telefoon"]}
    # What the resident reads is the catalogue's text, as approved.
    expected = render("sms.first_contact", "nl", **ctx.values)
    assert fake.created[0]["body"] == expected
    (row,) = await outbox(ctx)
    assert (row.channel, row.status, row.text) == ("whatsapp", "sent", expected)
    assert not to_sms(fake)


async def test_a_text_without_a_template_goes_by_sms_outside_the_window(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    _, ctx = await town(twilio_town, fake, tmp_path, templated=())
    await tick(ctx, MONDAY)
    (request,) = to_sms(fake)
    assert request["From"] == FROM
    assert not to_whatsapp(fake)
    (row,) = await outbox(ctx)
    assert row.channel == "sms"


async def test_a_button_is_the_answer_it_stands_for(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    settings, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    async with webhooks(settings, ctx) as hooks:
        # The resident taps the first quick-reply button ("1": call me).
        form = whatsapp_form("SMbutton1", "1", ButtonPayload="menu:1", ButtonText="1")
        code, _, _ = await hooks.post(INBOUND, form)
        assert code == 200
        await hooks.settled()
    (message,) = await inbound(ctx)
    assert (message.channel, message.sender, message.text) == ("whatsapp", PHONE, "bel me")
    assert message.intent == "menu_call"


async def test_inside_the_window_an_answer_is_free_text_and_typing_still_works(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    ctx = await answered(twilio_town, fake, tmp_path, "whatsapp", "1")
    await tick(ctx, MONDAY + timedelta(minutes=5))
    answer = to_whatsapp(fake)[-1]
    # No template for the daypart question: free text, allowed within 24 hours of their message.
    assert "ContentSid" not in answer
    assert answer["Body"] == render("sms.callback.ask_daypart", "nl", **ctx.values)
    # A typed answer keeps working, in any of the languages: "ochtend".
    typed = await receive(
        ctx.engine, ctx.rules, "whatsapp", PHONE, "ochtend graag", MONDAY + timedelta(minutes=9)
    )
    assert typed.intent == "daypart"
    assert not to_sms(fake)


async def test_an_answer_to_an_sms_goes_by_sms_without_a_whatsapp_window(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    ctx = await answered(twilio_town, fake, tmp_path, "sms", "1")
    await tick(ctx, MONDAY + timedelta(minutes=5))
    (answer,) = to_sms(fake)  # no template, no WhatsApp message from them: SMS
    assert answer["Body"] == render("sms.callback.ask_daypart", "nl", **ctx.values)


async def test_a_window_closed_by_the_time_of_sending_goes_by_sms_in_the_same_pass(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    ctx = await answered(twilio_town, fake, tmp_path, "whatsapp", "1")
    fake.window_closed(PHONE)  # WhatsApp answers 63016 to free text
    await tick(ctx, MONDAY + timedelta(minutes=5))
    assert [f.get("Body") for f in to_whatsapp(fake)][-1] is not None  # tried as free text
    (sms,) = to_sms(fake)
    assert sms["Body"] == render("sms.callback.ask_daypart", "nl", **ctx.values)
    assert not await sms_only(ctx)  # only this message: the number is on WhatsApp


async def test_not_on_whatsapp_at_once_goes_by_sms_in_the_same_pass_once(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    _, ctx = await town(twilio_town, fake, tmp_path)
    fake.not_on_whatsapp(PHONE)
    await tick(ctx, MONDAY)
    assert len(to_whatsapp(fake)) == 1  # refused with 63003
    (sms,) = to_sms(fake)
    assert sms["Body"] == render("sms.first_contact", "nl", **ctx.values)
    rows = await outbox(ctx)
    by_key = {r.idempotency_key: r for r in rows}
    (message,) = [r for r in rows if r.status != "rerouted"]
    (history,) = [r for r in rows if r.status == "rerouted"]
    assert (message.channel, message.status) == ("sms", "sent")
    assert history.idempotency_key == f"{message.idempotency_key}~whatsapp"
    assert "63003" in (history.last_error or "") and by_key
    assert await sms_only(ctx)
    assert await attempts(ctx) == []  # nothing delivered yet; the refusal is not an attempt


async def test_not_on_whatsapp_in_the_delivery_report_goes_by_sms_at_once_once(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    settings, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    (row,) = await outbox(ctx)
    async with webhooks(settings, ctx) as hooks:
        code, _, _ = await hooks.post(STATUS, whatsapp_status(row.provider_id, "failed", "63003"))
        assert code == 204
        # Twilio retries the report: nothing changes a second time.
        code, _, _ = await hooks.post(STATUS, whatsapp_status(row.provider_id, "failed", "63003"))
        assert code == 204
    await tick(ctx, MONDAY + timedelta(seconds=30))
    assert len(to_whatsapp(fake)) == 1
    assert len(to_sms(fake)) == 1
    rows = await outbox(ctx)
    (message,) = [r for r in rows if r.status != "rerouted"]
    assert (message.channel, message.status) == ("sms", "sent")
    assert await sms_only(ctx)
    async with webhooks(settings, ctx) as hooks:
        form = whatsapp_status(message.provider_id, "delivered")
        form["To"], form["From"] = PHONE, FROM
        await hooks.post(STATUS, form)
    (attempt,) = await attempts(ctx)  # one contact attempt: the SMS that arrived
    assert attempt.soort == "SMS/Whatsapp"
    # The case's later steps go by SMS: the reminder, a few working days on.
    await tick(ctx, MONDAY + timedelta(days=8))
    later = [r for r in await outbox(ctx) if r.message_key == "sms.reminder"]
    assert [r.channel for r in later] == ["sms"]


async def test_delivered_then_read_only_moves_forward(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    settings, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    (row,) = await outbox(ctx)
    async with webhooks(settings, ctx) as hooks:
        for status in ("sent", "delivered", "read", "delivered", "sent"):
            code, _, _ = await hooks.post(STATUS, whatsapp_status(row.provider_id, status))
            assert code == 204
    (row,) = await outbox(ctx)
    assert (row.status, row.provider_status) == ("delivered", "read")
    assert len(await attempts(ctx)) == 1


async def test_stop_by_whatsapp_silences_whatsapp_and_sms(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    ctx = await answered(twilio_town, fake, tmp_path, "whatsapp", "STOP")
    async with ctx.engine.connect() as conn:
        (opt_out,) = list(await conn.execute(select(OptOut)))
    assert opt_out.address == PHONE  # the number: WhatsApp and SMS alike
    await tick(ctx, MONDAY + timedelta(minutes=5))
    confirmation = to_whatsapp(fake)[-1]  # the one confirmation, in the open window
    assert confirmation["Body"] == render("sms.optout_confirmed", "nl", **ctx.values)
    before = len(fake.requests)
    await tick(ctx, MONDAY + timedelta(days=8))  # the reminder is never sent, by either
    assert fake.requests[before:] == []


async def test_a_retried_webhook_changes_state_once_and_a_forged_one_is_refused(
    twilio_town: TwilioTown, fake: FakeTwilio, tmp_path: Path
) -> None:
    settings, ctx = await town(twilio_town, fake, tmp_path)
    await tick(ctx, MONDAY)
    form = whatsapp_form("SMtwice", "3")
    async with webhooks(settings, ctx) as hooks:
        for _ in range(2):
            code, _, _ = await hooks.post(INBOUND, form)
            assert code == 200
            await hooks.settled()
        code, _, _ = await hooks.post(INBOUND, whatsapp_form("SMforged", "2"), sign="forged")
        assert code == 403
    (message,) = await inbound(ctx)
    assert message.intent == "menu_arranged"
    async with ctx.engine.connect() as conn:
        case = (await conn.execute(select(Case))).one()
    assert case.state == "closed"


def test_zaadje_reply_handles_a_whatsapp_message_as_the_webhook_does(
    tmp_path: Path, capsys: Any, db_url: str
) -> None:
    signals = tmp_path / "s.csv"
    signals.write_text(
        "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
        f"S-1,Huur,640,2026-10-20,Jansen,1,1234AB,{PHONE}\n",
        encoding="utf-8",
    )
    assert main(["ingest", str(signals), "--db", db_url, "--now", "2026-11-02T10:00"]) == 0
    assert main(["tick", "--db", db_url, "--now", "2026-11-02T10:00"]) == 0
    capsys.readouterr()
    code = main(
        [
            "reply",
            "--channel",
            "whatsapp",
            "--sender",
            f"whatsapp:{PHONE}",
            "--text",
            "2",
            "--db",
            db_url,
            "--now",
            "2026-11-02T10:30",
            "--json",
        ]
    )
    assert code == 0
    handled = json.loads(capsys.readouterr().out)
    assert handled["case"] is not None and handled["intent"] == "menu_no_thanks"


async def test_a_stranger_on_whatsapp_is_answered_by_sms_while_whatsapp_is_off(
    twilio_town: TwilioTown,
) -> None:
    _, ctx = await twilio_town()  # [channels] order is ["sms"]
    stranger = "+31687654321"
    handled = await receive(ctx.engine, ctx.rules, "whatsapp", stranger, "STOP", MONDAY)
    assert handled.case is None and "opt-out" in handled.actions
    (confirmation,) = [r for r in await outbox(ctx) if r.to_address == stranger]
    assert (confirmation.channel, confirmation.message_key) == ("sms", "sms.optout_confirmed")
