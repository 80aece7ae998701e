"""The coordinators' monitor page: every figure with its definition, an SVG bar chart drawn on
the server and a table with the same figures; the CSV download; who may see it."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.desk.conftest import DeskSite

PASSWORD = "a-good-password"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ROWS = [
    "M-1,Huur,Woonstad,640,2026-10-20,A.,Jansen,Kerkstraat,12,1234AB,Voorbeeld,+31612340001,nee,",
    "M-2,Huur,Woonstad,500,2026-10-20,B.,Bakker,Kerkstraat,14,1234AB,Voorbeeld,+31612340002,nee,",
    "M-3,Energie,Eneco,300,2026-10-21,C.,Smit,Kerkstraat,16,1234AB,Voorbeeld,+31612340003,ja,",
    "M-4,Zorg,CZ,40,2026-10-21,D.,Visser,Kerkstraat,18,1234AB,Voorbeeld,+31612340004,nee,",
]
NOVEMBER = "from=2026-11-01&to=2026-11-30"


async def seeded(site: DeskSite, tmp_path: Path) -> None:
    await site.seed(ROWS, "2026-11-02T10:00", tmp_path)
    site.set_now(datetime(2026, 12, 2, 12, 0, tzinfo=AMSTERDAM))
    await site.add_user("cora", "coordinator", PASSWORD)


def row_value(page: str, section: str, key: str) -> str:
    table = re.search(rf'<table data-section="{section}">(.*?)</table>', page, re.S)
    assert table, f"no table for {section}"
    cell = re.search(
        rf'<tr data-key="{re.escape(key)}"><th scope="row">[^<]*</th><td>([^<]*)</td>',
        table.group(1),
    )
    assert cell, f"no row {key} in {section}"
    return cell.group(1)


async def test_a_coordinator_sees_each_figure_with_definition_chart_and_table(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor?{NOVEMBER}") as response:
            assert response.status == 200
            assert "script-src 'none'" in response.headers["Content-Security-Policy"]
            page = await response.text()
    # Nothing runs in the browser and nothing is fetched from elsewhere.
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert row_value(page, "signals_received", "total") == "4"
    assert row_value(page, "signals_received", "Huur") == "2"
    assert row_value(page, "suppressed", "Bedrag onder de drempel") == "1"
    assert row_value(page, "became_case", "percent") == "75"
    assert row_value(page, "signals_per_1000_inhabitants_per_month", "total") == "–"
    assert "stel [gemeente] inwoners in" in page
    # A chart per figure that has numbers to draw: bars for Huur, Energie and Zorg.
    chart = re.search(r'<svg[^>]*id="chart-signals_received".*?</svg>', page, re.S)
    assert chart and 'role="img"' in chart.group(0)
    assert chart.group(0).count("<rect") == 3
    assert '<title id="chart-signals_received-title">Ontvangen signalen</title>' in chart.group(0)
    assert 'style="' not in chart.group(0)  # the policy allows no inline CSS
    # Every figure states its definition.
    assert page.count('<p class="definition">') == page.count("<table data-section=")
    assert "Vroegsignalen die de gemeente in de periode ontving" in page
    # Every field of the period form has a label.
    for field in ("monitor-from", "monitor-to"):
        assert f'<label for="{field}">' in page


async def test_the_default_is_last_month_and_a_bad_date_is_explained(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor") as response:
            page = await response.text()
        assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
        assert row_value(page, "signals_received", "total") == "4"
        async with http.get(f"{desk_site.url}/desk/monitor?from=1-11-2026") as response:
            assert response.status == 400
            assert "--from: not a date" in await response.text()


async def test_the_figures_download_as_csv(desk_site: DeskSite, tmp_path: Path) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor/figures.csv?{NOVEMBER}") as response:
            assert response.status == 200
            assert response.content_type == "text/csv"
            assert "monitor_2026-11-01_2026-11-30.csv" in response.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(await response.text())))
    total = next(r for r in rows if r["section"] == "signals_received" and r["key"] == "total")
    assert total["value"] == "4" and total["definition"]


async def test_only_coordinators_and_admins_see_the_monitor(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    await desk_site.add_user("anna", "communicator", PASSWORD)
    await desk_site.add_user("ad", "admin", PASSWORD)
    async with (
        desk_site.client() as http,
        http.get(f"{desk_site.url}/desk/monitor", allow_redirects=False) as r,
    ):
        assert r.status == 302 and r.headers["Location"] == "/desk/login"
    for name, status in (("ria", 403), ("anna", 403), ("ad", 200)):
        async with desk_site.client() as http:
            await desk_site.login(http, name, PASSWORD)
            for path in ("/desk/monitor", "/desk/monitor/figures.csv"):
                async with http.get(desk_site.url + path) as response:
                    assert response.status == status, (name, path)
