"""The coordinator's day page, on SQLite and PostgreSQL: capacity against planned work,
overdue tasks, cases near their deadline, open cases by priority band."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
PHONE = "+31612345678"
CRISIS = f"C-1,Energie,Eneco,900,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,{PHONE},ja,nl"
PLAIN = "H-1,Huur,,450,2026-10-28,K.,Bakker,Laan,8,3512CD,Utrecht,+31687654321,nee,nl"


def cell(page: str, table: str, row_marker: str) -> list[str]:
    section = page.split(f'<table id="{table}">')[1].split("</table>")[0]
    row = section.split(row_marker)[1].split("</tr>")[0]
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
    ]


async def test_the_day_page_shows_capacity_overdue_deadlines_and_bands(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.seed([CRISIS, PLAIN], "2026-11-02T10:00", tmp_path)  # a crisis: a call today
    await desk_site.add_user("cora", "coordinator", PASSWORD)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        desk_site.set_now(datetime(2026, 11, 2, 11, 0, tzinfo=AMS))
        async with http.get(f"{desk_site.url}/desk/coordinator") as response:
            assert response.status == 200
            today = await response.text()
        desk_site.set_now(datetime(2026, 11, 4, 9, 30, tzinfo=AMS))  # the call is late now
        async with http.get(f"{desk_site.url}/desk/coordinator") as response:
            tomorrow = await response.text()

    # Capacity [capacity] of the default config: 40 calls, 8 visits a day.
    # columns: capacity, open and workable today, due today or overdue, done today, left
    assert cell(today, "capacity", 'data-capacity="phone_calls"')[1:] == ["40", "1", "0", "0", "40"]
    assert cell(today, "capacity", 'data-capacity="home_visits"')[1:] == ["8", "0", "0", "0", "8"]
    assert cell(tomorrow, "capacity", 'data-capacity="phone_calls"')[2:4] == ["1", "1"]
    assert "Niets te laat." in today
    assert "Te late taken: 1" in tomorrow
    # The crisis case must be spoken to within 3 working days: it is listed with its deadline.
    crisis_row = cell(today, "crisis", 'data-case="1"')
    assert crisis_row[0].startswith("1") and crisis_row[2] == "3"
    bands = {b: cell(today, "bands", f'data-band="{b}"')[1] for b in (1000, 500, 300, 100, 0)}
    assert bands[1000] == "1"  # the crisis case
    assert sum(int(v) for v in bands.values()) == 2  # every open case in one band
