"""The desk in a real browser (Debian's chromium through Playwright), keyboard first: log in,
claim a task, record "not reached", see the next attempt appear. And the basics of
accessibility: every field labelled, a visible focus, usable without a mouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
CRISIS = (
    "C-1,Energie,Eneco,912.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,+31612345678,ja,nl"
)

# Fields a person fills in that have no <label for> and no aria-label: must be none.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.id && document.querySelector(`label[for="${e.id}"]`)))
  .filter(e => !e.getAttribute('aria-label'))
  .map(e => e.outerHTML)"""
FOCUS_OUTLINE = """() => { const s = getComputedStyle(document.activeElement);
  return [document.activeElement.id || document.activeElement.tagName, s.outlineStyle,
          parseFloat(s.outlineWidth)]; }"""


async def keyboard_login(page: Any, site: DeskSite, name: str) -> None:
    await page.goto(f"{site.url}/desk/login")
    # The name field has the focus from the start (autofocus lands a frame after the load);
    # Tab leads on to the password; Enter sends.
    await page.wait_for_function("() => document.activeElement.id === 'name'", timeout=5000)
    await page.keyboard.type(name)
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.id") == "password"
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site.url}/desk/queue")


async def test_log_in_claim_record_not_reached_and_see_the_next_attempt(
    desk_site: DeskSite, page: Any, tmp_path: Path
) -> None:
    await desk_site.seed([CRISIS], "2026-11-02T10:00", tmp_path)
    desk_site.set_now(datetime(2026, 11, 2, 10, 30, tzinfo=AMS))
    await desk_site.add_user("ria", "caseworker", PASSWORD)

    await keyboard_login(page, desk_site, "ria")
    assert await page.evaluate(UNLABELLED) == []
    row = page.locator("#queue tbody tr")
    assert await row.count() == 1
    first_task = await row.first.get_attribute("data-task")

    await row.first.get_by_role("button").focus()  # claim by keyboard
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/desk/cases/*")
    assert await page.locator("#notice").inner_text() == "U hebt de taak opgepakt."
    assert await page.evaluate(UNLABELLED) == []

    task = page.locator(f"#task-{first_task}")
    await task.get_by_label("Nee").check()
    await task.get_by_label("Dagdeel").select_option("Ochtend")
    await task.get_by_label("Notitie").fill("Voicemail ingesproken")
    await task.get_by_role("button", name="Vastleggen").click()
    await page.wait_for_load_state()

    assert await page.locator("#notice").inner_text() == "De contactpoging is vastgelegd."
    tasks = page.locator("article.task")
    assert await tasks.count() == 1
    next_task = await tasks.first.get_attribute("data-task")
    assert next_task != first_task  # the flow planned the next attempt …
    assert await tasks.first.get_attribute("data-kind") in ("phone", "home_visit")
    timeline = await page.locator("#timeline").inner_text()
    assert "niet bereikt" in timeline and "Voicemail ingesproken" in timeline  # … after this one


# The page and the keyboard are what is tested here; the storage under it is the same as in
# the test above (and in test_login.py on both databases), so one database is enough.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_login_form_works_by_keyboard_with_a_visible_focus(
    desk_site: DeskSite, page: Any
) -> None:
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    await page.goto(f"{desk_site.url}/desk/login")
    assert await page.evaluate(UNLABELLED) == []
    assert await page.get_attribute("html", "lang") == "nl"
    await page.wait_for_function("() => document.activeElement.id === 'name'", timeout=5000)
    stops = []
    for key in ("Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        await page.keyboard.press(key)  # every stop on the way has a clear outline
        element, style, width = await page.evaluate(FOCUS_OUTLINE)
        assert style != "none" and width >= 2, element
        stops.append(element)
    # From the name field (focused at load) to the button, and back to the skip link.
    assert stops == ["password", "BUTTON", "password", "name", "A", "A"]
    assert await page.evaluate("() => document.activeElement.className") == "skip"
    await keyboard_login(page, desk_site, "ria")
    assert await page.locator("h1").inner_text() == "Werkvoorraad"
