"""A caseworker offers a resident the Telegram chat from the case page: a fresh link code goes
out by SMS (never a link); without Telegram configured the offer is not there."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from sqlalchemy import select

from casework.rules import ChatInvite
from store.desk_models import DeskAudit
from store.models import Outbox, table_of
from tests.desk.conftest import DeskSite
from tests.desk.test_caseworker import caseworker, crisis_case

outbox_t = table_of(Outbox)
audit_t = table_of(DeskAudit)


async def test_without_telegram_there_is_no_chat_offer(desk_site: DeskSite, tmp_path: Path) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, token = await caseworker(desk_site)
    async with http:
        async with http.get(f"{desk_site.url}/desk/cases/{task.case_id}") as response:
            assert "/chat" not in await response.text()
        async with http.post(
            f"{desk_site.url}/desk/cases/{task.case_id}/chat", data={"csrf_token": token}
        ) as response:
            assert response.status == 404


async def test_offering_the_chat_queues_a_code_by_sms_and_audits_without_the_code(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    desk = desk_site.desk
    desk.rules = dataclasses.replace(
        desk.rules, chat=ChatInvite(secret_key="k" * 32, bot_name="@ZaadjeTestBot")
    )
    task = await crisis_case(desk_site, tmp_path)
    http, token = await caseworker(desk_site)
    async with http:
        async with http.get(f"{desk_site.url}/desk/cases/{task.case_id}") as response:
            assert f"/desk/cases/{task.case_id}/chat" in await response.text()
        async with http.post(
            f"{desk_site.url}/desk/cases/{task.case_id}/chat",
            data={"csrf_token": token},
            allow_redirects=False,
        ) as response:
            assert response.status == 302
            assert response.headers["Location"].endswith("done=chat_offered")
    async with desk_site.engine.connect() as conn:
        (offer,) = (
            await conn.execute(select(outbox_t).where(outbox_t.c.message_key == "chat.link_code"))
        ).all()
        audits = (
            await conn.execute(select(audit_t).where(audit_t.c.action == "case.chat_offer"))
        ).all()
    assert offer.case_id == task.case_id and offer.channel == "sms"
    assert offer.values["bot"] == "@ZaadjeTestBot"
    assert re.fullmatch(r"[A-Z0-9]{5} [A-Z0-9]{5}", offer.values["code"])  # two groups of five
    (entry,) = audits
    assert offer.values["code"] not in str(entry._mapping)
