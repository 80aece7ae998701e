"""In a real browser (Debian's chromium): a coordinator picks a period on the monitor page and
sees the charts drawn, with nothing blocked by the desk's Content Security Policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import fresh_database
from tests.desk.conftest import DeskSite
from tests.desk.test_monitor_page import PASSWORD, ROWS


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite only: chromium is the slow part; test_monitor_page.py covers both databases."""
    yield from fresh_database(request, "sqlite", tmp_path)


async def test_a_coordinator_picks_a_period_and_sees_the_charts(
    desk_site: DeskSite, tmp_path: Path, page: Any
) -> None:
    await desk_site.seed(ROWS, "2026-11-02T10:00", tmp_path)
    desk_site.set_now(datetime(2027, 1, 5, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam")))
    await desk_site.add_user("cora", "coordinator", PASSWORD)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    await page.goto(desk_site.url + "/desk/login")
    await page.fill("#name", "cora")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.goto(desk_site.url + "/desk/monitor")
    # The default is December, which had no signals: nothing to draw, the tables say 0.
    assert await page.input_value("#monitor-from") == "2026-12-01"
    assert await page.locator("#chart-signals_received").count() == 0
    total = page.locator("table[data-section=signals_received] tr[data-key=total] td")
    assert await total.inner_text() == "0"

    await page.fill("#monitor-from", "2026-11-01")
    await page.fill("#monitor-to", "2026-11-30")
    await page.click("#period button[type=submit]")
    await page.wait_for_url("**/desk/monitor?from=2026-11-01&to=2026-11-30")
    assert await total.inner_text() == "4"
    chart = page.get_by_role("img", name="Ontvangen signalen")
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    bars = chart.locator("rect")
    assert await bars.count() == 3
    widths = [float(await bars.nth(i).get_attribute("width") or 0) for i in range(3)]
    assert widths[0] == max(widths) and widths[0] == pytest.approx(2 * widths[1])
    # The browser's own favicon request aside, nothing failed to load and the policy
    # blocked nothing.
    assert [u for u in failed if not u.endswith("/favicon.ico")] == []
    assert [p for p in problems if "404" not in p] == []
