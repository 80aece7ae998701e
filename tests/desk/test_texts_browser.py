"""In a real browser (Debian's chromium): a communicator edits the first-contact SMS, sees the
warning for a link, fixes it and saves a draft; a second communicator approves it; the next
message to a resident uses the new text, with no restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from messages import publish
from scheduler.tick import tick
from tests.conftest import Cli, fresh_database
from tests.desk.conftest import DeskSite

PASSWORD = "a-good-password"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: chromium is the slow part, and the same storage paths run on both
    databases in test_texts_service.py and test_texts_http.py."""
    yield from fresh_database(request, "sqlite", tmp_path)


async def log_in(page: Any, site: DeskSite, name: str) -> None:
    await page.goto(site.url + "/desk/login")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/desk/texts")


async def test_edit_warn_fix_approve_and_the_next_message_uses_the_new_text(
    desk_site: DeskSite, catalogues: Path, cli: Cli, tmp_path: Path, page: Any
) -> None:
    site = desk_site
    await site.add_user("anna", "communicator", PASSWORD)  # Dutch interface (the default)
    await site.add_user("bram", "communicator", PASSWORD)
    old = publish.current("sms.first_contact", "nl").text
    new = old.replace("Goedendag.", "Hallo.")
    with_link = old.replace("Of bel ons", "Kijk op www.voorbeeld.nl of bel ons")

    # Anna edits the Dutch first-contact SMS and adds a link: the preview shows the error.
    await log_in(page, site, "anna")
    await page.click("#texts a[href='/desk/texts/sms.first_contact/nl']")
    await page.wait_for_url("**/desk/texts/sms.first_contact/nl")
    assert await page.input_value("#form_0") == old
    await page.fill("#form_0", with_link)
    await page.click("button[value=preview]")
    link = page.locator("#findings li[data-rule=link]")
    await link.wait_for()
    assert await link.get_attribute("data-severity") == "error"
    assert "www.voorbeeld.nl" in await link.inner_text()
    assert await page.input_value("#form_0") == with_link  # the text is kept for fixing

    # She fixes it: no more errors; she saves it as a draft.
    await page.fill("#form_0", new)
    await page.click("button[value=preview]")
    await page.locator("#findings").wait_for()
    assert await page.locator("#findings li[data-severity=error]").count() == 0
    assert "Gemeente Voorbeeld: Hallo." in await page.locator("#preview .sms-text").inner_text()
    assert await page.locator("#preview .segments").inner_text() == "2"
    await page.click("button[value=save]")
    await page.wait_for_url("**/desk/texts/sms.first_contact?done=saved*")
    assert await page.locator("button[name=approve]").count() == 0  # not her own
    await page.click("form[action='/desk/logout'] button")

    # Bram approves it: it is published at once.
    await log_in(page, site, "bram")
    assert await page.locator("#drafts li").count() == 1
    await page.click("#drafts a")
    await page.click("button[name=approve]")
    await page.wait_for_url("**/desk/texts/sms.first_contact?done=published*")
    history = await page.locator("tr[data-status=published]").inner_text()
    assert "anna" in history and "bram" in history and "Hallo." in history

    # The next message to a resident, sent by this running server's scheduler, says "Hallo".
    signals = tmp_path / "signals.csv"
    signals.write_text(
        "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
        "A-1,Huur,640,2026-10-20,Jansen,12,1234AB,+31612345678\n",
        encoding="utf-8",
    )
    await asyncio.to_thread(cli.json, "ingest", str(signals), "--now", "2026-11-02T08:00")
    sent = await tick(site.services.context, datetime(2026, 11, 2, 9, 0, tzinfo=AMSTERDAM))
    assert sent["sent"] == 1
    (message,) = await asyncio.to_thread(cli.json, "outbox")
    assert message["message_key"] == "sms.first_contact"
    assert message["text"] == new.format(gemeente="Voorbeeld", telefoon="14 020")
