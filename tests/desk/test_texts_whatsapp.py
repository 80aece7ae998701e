"""The text page tells communicators about WhatsApp templates: the SID and approval status
last read from Twilio per language, and that a changed text needs a new approval."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from casework.rules import TextRoute
from desk.users import add_user
from messages.whatsapp import template_text
from store.models import table_of
from store.whatsapp_models import WhatsAppTemplate
from tests.desk.conftest import DeskSite

PASSWORD = "a-good-password"
KEY = "sms.first_contact"
SID = "HX" + "ab" * 16


@pytest.fixture
async def site(desk_site: DeskSite) -> DeskSite:
    await add_user(desk_site.engine, "anna", "communicator", PASSWORD, locale="en")
    route = TextRoute(True, frozenset({(KEY, "nl")}))
    desk_site.desk.rules = dataclasses.replace(desk_site.desk.rules, route=route)
    return desk_site


async def keep(site: DeskSite, body: str, status: str) -> None:
    async with site.engine.begin() as conn:
        await conn.execute(
            table_of(WhatsAppTemplate).insert(),
            {
                "message_key": KEY,
                "locale": "nl",
                "content_sid": SID,
                "status": status,
                "body": body,
                "rejection_reason": None,
                "checked_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            },
        )


async def text_page(site: DeskSite) -> str:
    async with site.client() as http:
        await site.login(http, "anna", PASSWORD)
        async with http.get(f"{site.url}/desk/texts/{KEY}") as response:
            assert response.status == 200
            return await response.text()


async def test_the_approved_template_and_its_status_are_shown(site: DeskSite) -> None:
    template = template_text(KEY, "nl")
    assert template is not None
    await keep(site, template.body, "approved")
    page = await text_page(site)
    assert SID in page and "approved" in page
    assert "differs from the approved WhatsApp template" not in page
    # English has no template configured: that text goes by SMS outside the window.
    assert "No WhatsApp template for this language" in page


async def test_a_changed_text_warns_that_it_needs_a_new_approval(site: DeskSite) -> None:
    await keep(site, "Gemeente {{1}}: een oudere tekst. Bel {{2}}.", "approved")
    page = await text_page(site)
    assert "differs from the approved WhatsApp template" in page
    assert "until then residents get the approved text" in page


async def test_without_whatsapp_the_page_says_nothing_of_templates(desk_site: DeskSite) -> None:
    await add_user(desk_site.engine, "anna", "communicator", PASSWORD, locale="en")
    page = await text_page(desk_site)
    assert "WhatsApp template" not in page


@pytest.mark.browser
async def test_the_text_page_with_its_whatsapp_block_passes_axe(site: DeskSite, page: Any) -> None:
    from tests.desk.test_accessibility import axe_violations

    await keep(site, "Gemeente {{1}}: een oudere tekst. Bel {{2}}.", "approved")
    await page.goto(f"{site.url}/desk/login")
    await page.fill("#name", "anna")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/desk/*")
    response = await page.goto(f"{site.url}/desk/texts/{KEY}")
    assert response is not None and response.status == 200
    assert await page.locator(".whatsapp").count() >= 1
    assert await axe_violations(page) == []
