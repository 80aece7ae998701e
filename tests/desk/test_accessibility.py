"""Accessibility in a real browser (Debian's chromium): every desk page (the main ones in the
English interface too) and the resident simulator scanned with axe-core against the WCAG
2.0/2.1 A and AA rules, zero violations; a caseworker who claims a task and records its
outcome with the keyboard only, always seeing where the focus is; and the monitor's contents
taking a keyboard user to a figure and back. See docs/toegankelijkheid.md."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from store.models import Task, table_of
from tests.conftest import fresh_database
from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# No phone number: a letter first, then a home visit. With one: phone calls.
NO_PHONE = "N-1,Huur,Woonstad,640,2026-10-20,K.,Bakker,Laan,8,3512CD,Utrecht,,nee,nl"
WITH_PHONE = (
    "C-1,Energie,Eneco,912.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,+31612345678,ja,nl"
)
tasks_t = table_of(Task)

# The focused element's outline and box-shadow: one of them must show.
FOCUS = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, name: e.getAttribute('name'), value: e.value,
          text: (e.innerText || '').trim(), type: e.getAttribute('type'),
          outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth),
          shadow: s.boxShadow}; }"""


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: the pages are what is scanned; their storage runs on both databases in
    the HTTP tests."""
    yield from fresh_database(request, "sqlite", tmp_path)


@cache
def axe_source() -> str:
    """axe.min.js as bundled by the PyPI package axe-playwright-python."""
    return (files("axe_playwright_python") / "axe.min.js").read_text("utf-8")


async def axe_violations(page: Any) -> list[str]:
    """The WCAG 2.0/2.1 A and AA violations axe-core finds on the page, one line per element.
    The script is evaluated through the DevTools protocol, not as a <script>: the desk's
    Content Security Policy stays as it is."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(axe_source())
    results = await page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {n['target']}: {n['failureSummary']}"
        for v in results["violations"]
        for n in v["nodes"]
    ]


async def scan(page: Any, url: str, scanned: dict[str, list[str]], name: str = "") -> None:
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    await page.wait_for_load_state("load")
    scanned[name or url] = await axe_violations(page)


async def log_in(page: Any, site: DeskSite, name: str) -> None:
    await page.goto(f"{site.url}/desk/login")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/desk/*")


async def live_tasks(site: DeskSite) -> list[Any]:
    async with site.engine.connect() as conn:
        query = select(tasks_t).where(tasks_t.c.status.in_(("open", "claimed")))
        return list((await conn.execute(query.order_by(tasks_t.c.id))).all())


async def test_every_desk_page_and_the_simulator_pass_axe(
    desk_site: DeskSite, catalogues: Path, page: Any, tmp_path: Path
) -> None:
    site = desk_site
    await site.seed([NO_PHONE, WITH_PHONE], "2026-11-02T10:00", tmp_path)
    # The letter for the resident without a phone is posted; 5 working days on, the visit.
    await site.post_letters("2026-11-02T16:00", tmp_path)
    assert await site.cli("tick", "--now", "2026-11-09T16:30") == 0
    site.set_now(datetime(2026, 11, 10, 14, 0, tzinfo=AMS))
    visit, other = await live_tasks(site)  # by now both residents have a home visit
    assert visit.kind == other.kind == "home_visit"
    await site.add_user("ada", "admin", PASSWORD)  # the admin may see every page
    scanned: dict[str, list[str]] = {}
    desk = site.url + "/desk"

    await scan(page, f"{desk}/login", scanned)
    await page.fill("#name", "ada")
    await page.fill("#password", "wrong-password-here")
    await page.click("button[type=submit]")
    await page.wait_for_load_state("load")
    scanned["login (refused)"] = await axe_violations(page)

    await log_in(page, site, "ada")
    await scan(page, f"{desk}/queue", scanned)
    await scan(page, f"{desk}/cases/{visit.case_id}", scanned)
    # Claimed: the form to record the outcome of the home visit shows.
    await page.locator(f"form[action='/desk/tasks/{visit.id}/claim'] button").click()
    await page.wait_for_url("**/desk/cases/*")
    scanned["case, home visit claimed"] = await axe_violations(page)
    await scan(page, f"{desk}/cases/{other.case_id}", scanned)
    await scan(page, f"{desk}/texts", scanned)
    await scan(page, f"{desk}/texts/sms.first_contact", scanned)
    await scan(page, f"{desk}/texts/sms.first_contact/nl", scanned)
    await page.click("button[value=preview]")
    await page.locator("#findings").wait_for()
    scanned["text edit, preview"] = await axe_violations(page)
    await scan(page, f"{desk}/texts/history", scanned)
    await scan(page, f"{desk}/coordinator", scanned)
    await scan(page, f"{desk}/monitor?from=2026-11-01&to=2026-11-30", scanned)
    await scan(page, f"{desk}/admin/users", scanned)
    await scan(page, f"{desk}/admin/audit", scanned)
    await scan(page, f"{desk}/account", scanned)
    await scan(page, f"{desk}/post", scanned)
    # The English interface: other words, the same pages.
    await page.select_option("#ui-locale", "en")
    await page.click("form[action='/desk/language'] button")
    await page.wait_for_load_state("load")
    for name in ("queue", f"cases/{visit.case_id}", "coordinator"):
        await scan(page, f"{desk}/{name}", scanned, f"en: {name}")
    await scan(page, f"{desk}/monitor?from=2026-11-01&to=2026-11-30", scanned, "en: monitor")
    assert await page.get_attribute("html", "lang") == "en"

    await scan(page, f"{site.url}/simulator/", scanned)
    await scan(page, f"{site.url}/simulator/residents/{other.case_id}", scanned)

    assert len(scanned) == 23
    assert {url: found for url, found in scanned.items() if found} == {}
    # The scanner itself is awake: a field without a label is found.
    await page.evaluate(
        "() => document.querySelector('main').append(document.createElement('input'))"
    )
    assert any(v.startswith("label ") for v in await axe_violations(page))


async def test_claim_and_record_an_outcome_by_keyboard_only_with_a_visible_focus(
    desk_site: DeskSite, page: Any, tmp_path: Path
) -> None:
    site = desk_site
    await site.seed([WITH_PHONE], "2026-11-02T10:00", tmp_path)
    site.set_now(datetime(2026, 11, 2, 10, 30, tzinfo=AMS))
    await site.add_user("ria", "caseworker", PASSWORD)
    seen: list[dict[str, Any]] = []

    async def press(key: str) -> dict[str, Any]:
        await page.keyboard.press(key)
        focus: dict[str, Any] = await page.evaluate(FOCUS)
        if focus["tag"] != "BODY":  # every element that gets the focus shows it
            assert focus["outline"] >= 2 or focus["shadow"] != "none", focus
            seen.append(focus)
        return focus

    async def tab_to(check: Any, limit: int = 80) -> dict[str, Any]:
        for _ in range(limit):
            focus = await press("Tab")
            if check(focus):
                return focus
        raise AssertionError(f"never reached by Tab; last stops: {seen[-5:]}")

    await page.goto(f"{site.url}/desk/login")
    await page.wait_for_function("() => document.activeElement.id === 'name'", timeout=5000)
    await page.keyboard.type("ria")
    await tab_to(lambda f: f["id"] == "password")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/desk/queue")

    # Claim the (only) task from the queue.
    await tab_to(lambda f: f["tag"] == "BUTTON" and f["text"] == "Oppakken")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/desk/cases/*")
    assert await page.locator("#notice").inner_text() == "U hebt de taak opgepakt."

    # Record "not reached": Space picks the radio button, arrows the part of the day.
    (task,) = await live_tasks(site)
    await tab_to(lambda f: f["id"] == f"bereikt-ja-{task.id}")
    await press("ArrowRight")  # the radio group moves to "Nee" and checks it
    assert await page.is_checked(f"#bereikt-nee-{task.id}")
    await tab_to(lambda f: f["id"] == f"dagdeel-{task.id}")
    await press("ArrowDown")  # a closed <select>: the arrow picks the next option
    assert await page.input_value(f"#dagdeel-{task.id}") != ""
    await tab_to(lambda f: f["tag"] == "TEXTAREA" or f["name"] == "notitie")
    await page.keyboard.type("Voicemail ingesproken")
    await tab_to(lambda f: f["tag"] == "BUTTON" and f["text"] == "Vastleggen")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")

    assert await page.locator("#notice").inner_text() == "De contactpoging is vastgelegd."
    timeline = await page.locator("#timeline").inner_text()
    assert "niet bereikt" in timeline and "Voicemail ingesproken" in timeline
    assert len(seen) >= 5
    assert await axe_violations(page) == []  # the case page after a phone attempt


async def test_the_monitor_contents_take_a_keyboard_user_to_each_figure_and_back(
    desk_site: DeskSite, page: Any, tmp_path: Path
) -> None:
    site = desk_site
    await site.seed([WITH_PHONE, NO_PHONE], "2026-11-02T10:00", tmp_path)
    site.set_now(datetime(2026, 12, 2, 12, 0, tzinfo=AMS))
    await site.add_user("cora", "coordinator", PASSWORD)
    await log_in(page, site, "cora")
    await page.goto(f"{site.url}/desk/monitor?from=2026-11-01&to=2026-11-30")
    links = page.locator("nav.contents a")
    count = await links.count()
    assert count > 10
    for index in (0, count - 1):  # the first and the last figure
        link = links.nth(index)
        target = (await link.get_attribute("href") or "")[1:]
        await link.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_function(f"() => location.hash === '#{target}'")
        assert await page.evaluate("() => document.querySelector(':target').id") == target
        heading = page.locator(f"#{target} h2")
        assert await heading.inner_text() == await link.inner_text()
        assert await heading.is_visible()
        # The next Tab starts in that section: its way back to the contents.
        await page.keyboard.press("Tab")
        focus = await page.evaluate(
            "() => [document.activeElement.getAttribute('href'), "
            "document.activeElement.closest('section')?.id]"
        )
        assert focus == ["#contents", target]
        await page.keyboard.press("Enter")
        await page.wait_for_function("() => location.hash === '#contents'")
