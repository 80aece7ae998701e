"""What the desk checks before it sends a text, and where it sends it: the catalogue's
readability rule (in the desk's own words) and the address casework would choose."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from casework.chats import link_chat
from casework.replies import receive
from casework.rules import TextRoute
from desk.sending import SendError, free_text_findings, send_free_text
from messages.rules import readability_verdict
from store.models import Case, Outbox, table_of
from tests.desk.conftest import DeskSite
from tests.desk.test_caseworker import AMS, PHONE, crisis_case, rows

cases_t = table_of(Case)
outbox_t = table_of(Outbox)

HARD = (
    "Gemeentelijke ondersteuningsmogelijkheden vereisen administratieve verantwoordingsprocedures."
)
LONG = (
    "Wij willen u graag even helpen want wij zien dat het nu niet zo goed gaat met u en uw gezin."
)
PLAIN = "Wij belden u net. Bel ons terug als het u past."


def test_a_free_text_is_held_to_the_catalogue_readability_rule_in_the_desk_wording() -> None:
    # The verdict is the catalogue's (messages/rules.py); the wording is the desk's.
    assert readability_verdict(HARD).too_hard
    assert free_text_findings(HARD, "nl") == [
        "Flesch-Douma -275, needs 60 or more: use shorter words and sentences"
    ]
    assert readability_verdict(LONG).sentence_too_long
    assert free_text_findings(LONG, "nl") == ["a sentence of 21 words; at most 15"]
    assert free_text_findings(PLAIN, "nl") == []
    # Readability is measured for Dutch only.
    assert free_text_findings(HARD, "en") == [] and free_text_findings(LONG, "tr") == []


async def test_a_text_goes_where_the_flow_sends_and_nowhere_without_an_address(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    now = datetime(2026, 11, 2, 10, 40, tzinfo=AMS)
    engine = desk_site.engine
    await send_free_text(engine, task.case_id, PLAIN, "s1", now)
    # Once she linked the chat, her messages go by chat.
    async with engine.begin() as conn:
        await link_chat(conn, desk_site.services.context.rules, task.case_id, "555", now)
    await send_free_text(engine, task.case_id, PLAIN, "s2", now)
    sent = await rows(desk_site, outbox_t, outbox_t.c.idempotency_key.like("desk:%"))
    assert sorted((m.idempotency_key, m.channel, m.to_address) for m in sent) == [
        (f"desk:{task.case_id}:s1", "sms", PHONE),
        (f"desk:{task.case_id}:s2", "telegram", "555"),
    ]
    async with engine.begin() as conn:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == task.case_id)
            .values(contact_phone=None, telegram_chat_id=None)
        )
    with pytest.raises(SendError, match="no phone number or chat: no text can be sent"):
        await send_free_text(engine, task.case_id, PLAIN, "s3", now)
    assert len(await rows(desk_site, outbox_t, outbox_t.c.idempotency_key.like("desk:%"))) == 2


async def test_with_whatsapp_preferred_a_text_follows_the_residents_window(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    now = datetime(2026, 11, 2, 10, 40, tzinfo=AMS)
    engine = desk_site.engine
    route = TextRoute(whatsapp_first=True)
    await send_free_text(engine, task.case_id, PLAIN, "w1", now, route)  # no window: SMS
    # She writes on WhatsApp: for 24 hours the desk's texts go there too.
    await receive(engine, desk_site.services.context.rules, "whatsapp", PHONE, "hallo", now)
    await send_free_text(engine, task.case_id, PLAIN, "w2", now, route)
    await send_free_text(engine, task.case_id, PLAIN, "w3", now + timedelta(hours=25), route)
    # A case that fell back to SMS (not on WhatsApp) stays there.
    async with engine.begin() as conn:
        await conn.execute(
            update(cases_t).where(cases_t.c.id == task.case_id).values(sms_only=True)
        )
    await send_free_text(engine, task.case_id, PLAIN, "w4", now, route)
    sent = await rows(desk_site, outbox_t, outbox_t.c.idempotency_key.like("desk:%"))
    assert sorted((m.idempotency_key.rsplit(":", 1)[1], m.channel) for m in sent) == [
        ("w1", "sms"),
        ("w2", "whatsapp"),
        ("w3", "sms"),
        ("w4", "sms"),
    ]
