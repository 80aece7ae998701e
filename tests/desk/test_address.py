"""A caseworker completes the address of a case that came with only a BSN, on SQLite and
PostgreSQL: the form names a wrong field, the signals then join the household's open case (or
the case becomes the household's own), the review task is done, and the action is audited."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from store.desk_models import DeskAudit
from store.models import Case, Outbox, Signal, Task, table_of
from tests.desk.conftest import DeskSite
from tests.desk.test_caseworker import caseworker, rows

AMS = ZoneInfo("Europe/Amsterdam")
START = "2026-11-02T10:00"
PHONE = "+31612345678"
ADDRESSED = (
    f"A-1,Huur,Woonstad,812.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,{PHONE},nee,nl"
)

cases_t = table_of(Case)
signals_t = table_of(Signal)
tasks_t = table_of(Task)
outbox_t = table_of(Outbox)
audit_t = table_of(DeskAudit)


async def waiting_case(site: DeskSite, folder: Path, bsn: str = "123456782") -> Any:
    document = [
        {
            "ID": "BSN-1",
            "bedrag": 400,
            "signaaldatum": "2026-10-29",
            "signaalpartner": {"type": "Energie"},
            "client": {"burgerservicenummer": bsn, "geslachtsaanduiding": "Vrouw"},
        }
    ]
    path = folder / "only-bsn.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert await site.cli("ingest", str(path), "--now", START) == 0
    (case,) = await rows(site, cases_t, cases_t.c.state == "address_unknown")
    site.set_now(datetime(2026, 11, 2, 10, 30, tzinfo=AMS))
    return case


async def post_address(site: DeskSite, http: Any, csrf: str, case_id: int, **form: str) -> Any:
    return await http.post(
        f"{site.url}/desk/cases/{case_id}/address",
        data={"csrf_token": csrf, **form},
        allow_redirects=False,
    )


async def test_the_signals_join_the_households_open_case(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.seed([ADDRESSED], START, tmp_path)
    (household_case,) = await rows(desk_site, cases_t, cases_t.c.state == "open")
    case = await waiting_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    async with http:
        async with http.get(f"{desk_site.url}/desk/cases/{case.id}") as response:
            page = await response.text()
        assert response.status == 200
        assert "123456782" in page and "Adres aanvullen" in page  # the BSN to look it up by
        async with http.get(f"{desk_site.url}/desk/") as response:
            queue = await response.text()
        assert "adres onbekend" in queue and "None" not in queue  # its review task, no area
        async with await post_address(
            desk_site, http, csrf, case.id, postcode="35", huisnummer="3"
        ) as response:
            assert response.status == 422
            assert "postcode" in (await response.text()).lower()
        (still,) = await rows(desk_site, cases_t, cases_t.c.id == case.id)
        assert still.state == "address_unknown"  # nothing changed by a wrong form
        async with await post_address(
            desk_site, http, csrf, case.id, postcode="3511 ab", huisnummer="3"
        ) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(f"/desk/cases/{household_case.id}")
    (signal,) = await rows(desk_site, signals_t, signals_t.c.partner_signal_id == "BSN-1")
    assert (
        signal.case_id == household_case.id and signal.household_id == household_case.household_id
    )
    assert (signal.postcode, signal.huisnummer) == ("3511AB", "3")
    assert signal.pattern == "meervoudig"  # rent and energy in the same month at one address
    (merged,) = await rows(desk_site, cases_t, cases_t.c.id == case.id)
    assert merged.state == "merged"
    (task,) = await rows(desk_site, tasks_t, tasks_t.c.case_id == case.id)
    assert task.status == "done" and task.claimed_by == "ria"
    (entry,) = await rows(desk_site, audit_t, audit_t.c.action == "case.address")
    assert entry.user_name == "ria" and entry.case_id == case.id
    # The household's case weighs both partners now.
    (joined,) = await rows(desk_site, cases_t, cases_t.c.id == household_case.id)
    assert joined.priority > household_case.priority


async def test_a_new_address_makes_the_case_the_households_own(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    case = await waiting_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    async with http:
        async with await post_address(
            desk_site,
            http,
            csrf,
            case.id,
            postcode="1234AB",
            huisnummer="7",
            huisnummertoevoeging="a",
        ) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(f"/desk/cases/{case.id}")
        # A second post (a double click) finds the case no longer waiting.
        async with await post_address(
            desk_site, http, csrf, case.id, postcode="1234AB", huisnummer="7"
        ) as response:
            assert response.status == 422
    (opened,) = await rows(desk_site, cases_t, cases_t.c.id == case.id)
    assert opened.state == "open" and opened.household_id is not None
    assert await desk_site.cli("tick", "--now", "2026-11-02T10:30") == 0
    async with desk_site.engine.connect() as conn:
        kinds = (
            await conn.execute(select(tasks_t.c.kind).where(tasks_t.c.case_id == case.id))
        ).all()
        letters = (
            await conn.execute(select(outbox_t.c.channel).where(outbox_t.c.case_id == case.id))
        ).all()
    # Outreach starts as for any case (no phone number: a letter) once the address is known.
    assert sorted(k for (k,) in kinds) == ["review"]
    assert letters == [("letter",)]


async def test_completing_an_address_task_as_an_outcome_is_refused(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    case = await waiting_case(desk_site, tmp_path)
    (task,) = await rows(desk_site, tasks_t, tasks_t.c.case_id == case.id)
    code = await desk_site.cli("task", "complete", str(task.id), "--reached", "no")
    assert code != 0
    (still,) = await rows(desk_site, cases_t, cases_t.c.id == case.id)
    assert still.state == "address_unknown"
