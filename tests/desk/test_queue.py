"""The work queue over HTTP, on SQLite and PostgreSQL: order, filters, paging, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from store.models import Case, Household, Task, table_of
from tests.desk.conftest import DeskSite

PASSWORD = "a-long-enough-password"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
KINDS = ("phone", "callback", "home_visit", "review")


async def seed_tasks(site: DeskSite, n: int) -> list[dict[str, Any]]:
    """n cases, one live task each: priority, due, kind, area and holder vary."""
    households, cases, tasks = [], [], []
    for i in range(1, n + 1):
        area = ("3511", "3512", "1012")[i % 3]
        households.append(
            {
                "id": i,
                "address_key": f"{area}AB-{i}",
                "postcode": f"{area}AB",
                "huisnummer": str(i),
                "toevoeging": "",
                "created_at": NOW,
            }
        )
        cases.append(
            {
                "id": i,
                "household_id": i,
                "state": "open",
                "priority": 100 * (i % 4),
                "reasons": [],
                "locale": "nl",
                "crisis": False,
                "opened_at": NOW,
                "version": 1,
                "stage": "phone_1",
                "signal_news": False,
            }
        )
        tasks.append(
            {
                "id": i,
                "ref": f"t-{i}",
                "case_id": i,
                "kind": KINDS[i % 4],
                "reason": "ladder",
                "status": "claimed" if i % 5 == 0 else "open",
                "claimed_by": "ria" if i % 5 == 0 else None,
                "priority": 100 * (i % 4),
                # Every seventh is overdue; the rest due later today or in coming days.
                "due": NOW - timedelta(hours=1) if i % 7 == 0 else NOW + timedelta(hours=i),
                "created_at": NOW,
            }
        )
    # A finished task never shows.
    tasks.append({**tasks[0], "id": n + 1, "ref": "done", "status": "done", "priority": 999})
    async with site.engine.begin() as conn:
        await conn.execute(insert(table_of(Household)), households)
        await conn.execute(insert(table_of(Case)), cases)
        await conn.execute(insert(table_of(Task)), tasks)
    return tasks[:n]


def expected_order(tasks: list[dict[str, Any]]) -> list[int]:
    return [t["id"] for t in sorted(tasks, key=lambda t: (-t["priority"], t["due"], t["id"]))]


async def queue_ids(http: Any, site: DeskSite, query: str) -> tuple[int, list[int], str | None]:
    async with http.get(f"{site.url}/desk/queue{query}") as response:
        page = await response.text()
    ids = [int(x) for x in re.findall(r'<tr id="task-(\d+)"', page)]
    more = re.search(r'<a href="([^"]+)" rel="next">', page)
    return response.status, ids, more.group(1).replace("&amp;", "&") if more else None


async def test_the_queue_pages_through_every_live_task_by_priority_then_due(
    desk_site: DeskSite,
) -> None:
    tasks = await seed_tasks(desk_site, 120)
    desk_site.set_now(NOW)
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    async with desk_site.client() as http:
        await desk_site.login(http, "ria", PASSWORD)
        seen: list[int] = []
        query: str | None = ""
        while query is not None:
            status, ids, more = await queue_ids(http, desk_site, query)
            assert status == 200 and len(ids) <= 50
            seen.extend(ids)
            query = more[len("/desk/queue") :] if more else None
    assert seen == expected_order(tasks)  # all 120, once each, in order; the done one never


async def test_filters_mine_unclaimed_overdue_kind_and_area(desk_site: DeskSite) -> None:
    tasks = await seed_tasks(desk_site, 60)
    desk_site.set_now(NOW)
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    cases = {
        "?mine=1": [t for t in tasks if t["claimed_by"] == "ria"],
        "?unclaimed=1": [t for t in tasks if t["status"] == "open"],
        "?overdue=1": [t for t in tasks if t["due"] < NOW],
        "?kind=home_visit": [t for t in tasks if t["kind"] == "home_visit"],
        "?area=3512": [t for t in tasks if (t["id"] % 3) == 1],
        "?area=3512+ab&kind=phone&unclaimed=1": [
            t for t in tasks if t["id"] % 3 == 1 and t["kind"] == "phone" and t["status"] == "open"
        ],
    }
    async with desk_site.client() as http:
        await desk_site.login(http, "ria", PASSWORD)
        for query, wanted in cases.items():
            status, ids, _ = await queue_ids(http, desk_site, query)
            assert status == 200, query
            assert ids == expected_order(wanted)[:50], query


async def test_a_bad_filter_or_page_marker_is_a_clear_error(desk_site: DeskSite) -> None:
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    async with desk_site.client() as http:
        await desk_site.login(http, "ria", PASSWORD)
        for query, message in (
            ("?kind=visit", "unknown task kind"),
            ("?area=35", "postcode area"),
            ("?after=yesterday", "not a page marker"),
        ):
            async with http.get(f"{desk_site.url}/desk/queue{query}") as response:
                assert response.status == 400, query
                assert message in await response.text(), query
