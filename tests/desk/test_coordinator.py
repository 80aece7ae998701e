"""The coordinator's day page, on SQLite and PostgreSQL: capacity against planned work, the
next five working days against capacity with crisis work apart, crisis tasks at risk, overdue
tasks, cases near their deadline, open cases by priority band."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casework.rules import Capacity
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


async def test_the_next_five_working_days_against_capacity_with_crisis_work_apart(
    desk_site: DeskSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two calls a day. Five residents are called at once (the municipality's ladder starts
    with the phone), three crisis cases too: the crisis calls all stay on Monday, over the
    day's capacity; the other calls fill Monday, Tuesday and Wednesday, two a day."""
    config = tmp_path / "gemeente.toml"
    config.write_text(
        "[capacity]\nphone_calls_per_day = 2\n"
        "[flows.ladders.default]\n"
        'order = ["phone_1", "phone_2", "home_visit", "wait_card", "no_contact"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))  # the scheduler's settings (tick)
    desk_site.desk.capacity = Capacity(phone_calls_per_day=2)  # the desk's, the same
    plain = [
        f"H-{i},Huur,,{200 + 100 * i},2026-10-28,K.,Bakker,Laan,{i + 1},3512CD,Utrecht,"
        f"+3168765432{i},nee,nl"
        for i in range(5)
    ]
    crises = [
        f"C-{i},Energie,Eneco,{900 + 100 * i},2026-10-28,J.,Jansen,Dorpsstraat,{i + 1},3511AB,"
        f"Utrecht,+3161234567{i},ja,nl"
        for i in range(3)
    ]
    await desk_site.seed([*plain, *crises], "2026-11-02T10:00", tmp_path)  # a Monday
    await desk_site.add_user("cora", "coordinator", PASSWORD)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        desk_site.set_now(datetime(2026, 11, 2, 11, 0, tzinfo=AMS))
        async with http.get(f"{desk_site.url}/desk/coordinator") as response:
            assert response.status == 200
            page = await response.text()
        desk_site.set_now(datetime(2026, 11, 4, 9, 30, tzinfo=AMS))  # Wednesday
        async with http.get(f"{desk_site.url}/desk/coordinator") as response:
            wednesday = await response.text()

    assert "De komende 5 werkdagen" in page
    # columns: capacity, planned work, crisis work, total, capacity left
    days = {
        day: cell(page, "days-phone_calls", f'data-day="{day}"')
        for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06")
    }
    assert days["2026-11-02"][0] == "ma 2 nov 2026"
    assert days["2026-11-02"][1:] == ["2", "2", "3", "5", "3 boven de capaciteit"]
    assert days["2026-11-03"][1:] == ["2", "2", "0", "2", "0"]
    assert days["2026-11-04"][1:] == ["2", "1", "0", "1", "1"]
    assert days["2026-11-05"][1:] == days["2026-11-06"][1:] == ["2", "0", "0", "0", "2"]
    visits = cell(page, "days-home_visits", 'data-day="2026-11-02"')
    assert visits[1:] == ["8", "0", "0", "0", "8"]
    assert "Telefoongesprekken per werkdag" in page and "Huisbezoeken per werkdag" in page
    # Three crisis calls on a day with room for two: the lowest-priority one is at risk.
    assert "Crisistaken in gevaar: 1" in page
    at_risk = page.split('<table id="at-risk">')[1].split("</table>")[0]
    assert "Meer crisiswerk dan de capaciteit van de dag" in at_risk
    # Two days later nobody has called: every crisis call is overdue (due on Tuesday).
    assert "Crisistaken in gevaar: 3" in wednesday
    assert wednesday.count("<td>Te laat</td>") == 3
    # The days start at today; tasks still open from earlier days count against today.
    assert 'data-day="2026-11-02"' not in wednesday.split('<table id="days-phone_calls">')[1]
    assert cell(wednesday, "days-phone_calls", 'data-day="2026-11-10"')[1:] == [
        "2",
        "0",
        "0",
        "0",
        "2",
    ]
