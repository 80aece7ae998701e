"""Contact attempts on the desk over HTTP, on SQLite and PostgreSQL: a home visit recorded as an
appointment at a location, and an attempt outside a task (a letter, an e-mail, …) from the
case page — checked, stored through casework, audited, behind login, role and CSRF."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select

from store.desk_models import DeskAudit
from store.models import ContactAttempt, Task, table_of
from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
# No phone number: the default ladder's first step for her is a home visit.
NO_PHONE = "N-1,Huur,Woonstad,640,2026-10-20,K.,Bakker,Laan,8,3512CD,Utrecht,,nee,nl"
PHONE = "+31612345678"
WITH_PHONE = (
    f"C-1,Energie,Eneco,912.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,{PHONE},ja,nl"
)
START = "2026-11-02T10:00"
LATER = datetime(2026, 11, 10, 14, 0, tzinfo=AMS)

tasks_t = table_of(Task)
attempts_t = table_of(ContactAttempt)
audit_t = table_of(DeskAudit)


async def rows(site: DeskSite, table: Any, *where: Any) -> list[Any]:
    async with site.engine.connect() as conn:
        return list((await conn.execute(select(table).where(*where).order_by(table.c.id))).all())


async def live_tasks(site: DeskSite) -> list[Any]:
    return await rows(site, tasks_t, tasks_t.c.status.in_(("open", "claimed")))


async def by_hand(site: DeskSite) -> list[Any]:
    return await rows(site, attempts_t, attempts_t.c.ref.like("manual:%"))


async def user(
    site: DeskSite, name: str = "ria", role: str = "caseworker"
) -> tuple[aiohttp.ClientSession, str]:
    await site.add_user(name, role, PASSWORD)
    http = site.client()
    return http, await site.login(http, name, PASSWORD)


async def home_visit(site: DeskSite, tmp_path: Path) -> Any:
    await site.seed([NO_PHONE], START, tmp_path)
    # Without a phone number: a letter first; once posted, the visit 5 working days later.
    await site.post_letters("2026-11-02T16:00", tmp_path)
    assert await site.cli("tick", "--now", "2026-11-09T16:30") == 0
    site.set_now(LATER)
    (task,) = await live_tasks(site)
    assert task.kind == "home_visit"
    return task


async def test_a_home_visit_can_be_recorded_as_an_appointment_at_a_location(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await home_visit(desk_site, tmp_path)
    http, csrf = await user(desk_site)
    base = f"{desk_site.url}/desk/tasks/{task.id}"
    async with http:
        async with http.post(f"{base}/claim", data={"csrf_token": csrf}) as response:
            page = await response.text()
        form = page[page.index(f'id="soort-{task.id}"') :].split("</select>")[0]
        assert re.findall(r'<option value="([^"]+)"', form) == [
            "Huisbezoek",
            "Afspraak op locatie",
        ]
        assert '<option value="Huisbezoek" selected>' in form  # the default
        # She did not come to the meeting place: not reached, and no card at anyone's door.
        async with http.post(
            f"{base}/complete",
            data={"csrf_token": csrf, "soort": "Afspraak op locatie", "bereikt": "nee"},
        ) as response:
            assert response.status == 200
            page = await response.text()
    recorded = await rows(desk_site, attempts_t, attempts_t.c.case_id == task.case_id)
    assert [(a.ref, a.soort, a.bereikt) for a in recorded] == [
        (f"{task.case_id}:letter:1", "Brief", False),  # the letter, posted before the visit
        (task.ref, "Afspraak op locatie", False),
    ]
    (done,) = await rows(desk_site, tasks_t, tasks_t.c.id == task.id)
    assert done.status == "done" and done.outcome["soort"] == "Afspraak op locatie"
    assert "Afspraak op locatie" in page[page.index('id="timeline"') :]
    (audited,) = await rows(desk_site, audit_t, audit_t.c.action == "task.complete")
    assert audited.detail["soort"] == "Afspraak op locatie"


async def test_a_home_visit_recorded_as_such_still_leaves_a_card(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await home_visit(desk_site, tmp_path)
    http, csrf = await user(desk_site)
    base = f"{desk_site.url}/desk/tasks/{task.id}"
    async with http:
        async with http.post(f"{base}/claim", data={"csrf_token": csrf}) as response:
            assert response.status == 200
        async with http.post(
            f"{base}/complete", data={"csrf_token": csrf, "soort": "Huisbezoek", "bereikt": "nee"}
        ) as response:
            assert response.status == 200
    recorded = await rows(desk_site, attempts_t, attempts_t.c.case_id == task.case_id)
    assert [a.soort for a in recorded] == ["Brief", "Huisbezoek", "Kaartje"]


async def test_a_phone_task_is_never_an_appointment_at_a_location(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.seed([WITH_PHONE], START, tmp_path)
    desk_site.set_now(datetime(2026, 11, 2, 10, 30, tzinfo=AMS))
    (task,) = await live_tasks(desk_site)
    assert task.kind == "phone"
    http, csrf = await user(desk_site)
    async with (
        http,
        http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/complete",
            data={"csrf_token": csrf, "soort": "Afspraak op locatie", "bereikt": "ja"},
        ) as response,
    ):
        assert response.status == 400
        assert "contactsoort Telefoon" in await response.text()
    (same,) = await live_tasks(desk_site)
    assert same.id == task.id
    assert await rows(desk_site, attempts_t, attempts_t.c.ref == task.ref) == []


async def test_a_letter_outside_a_task_is_recorded_from_the_case_page_and_audited(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await home_visit(desk_site, tmp_path)
    case_url = f"{desk_site.url}/desk/cases/{task.case_id}"
    http, csrf = await user(desk_site)
    async with http:
        async with http.get(case_url) as response:
            page = await response.text()
        form = page[page.index('id="attempt-form"') :].split("</form>")[0]
        soort = form[form.index('id="attempt-soort"') :].split("</select>")[0]
        assert re.findall(r'<option value="([^"]+)"', soort) == [
            "Brief",
            "Mail",
            "Kaartje",
            "Afspraak op locatie",
            "Administratief",
            "Overige",
            "Onbekend",
        ]
        assert 'max="2026-11-10"' in form  # no date after today
        async with http.post(
            f"{case_url}/attempt",
            data={
                "csrf_token": csrf,
                "soort": "Brief",
                "bereikt": "nee",
                "datum": "2026-11-02",
                "dagdeel": "Ochtend",
            },
            allow_redirects=False,
        ) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(
                f"/desk/cases/{task.case_id}?done=attempt"
            )
        async with http.get(case_url + "?done=attempt") as response:
            page = await response.text()
    (letter,) = await by_hand(desk_site)
    assert (letter.case_id, letter.soort, letter.bereikt, letter.datum, letter.dagdeel) == (
        task.case_id,
        "Brief",
        False,
        date(2026, 11, 2),
        "Ochtend",
    )
    assert 'id="notice"' in page
    timeline = page[page.index('id="timeline"') :]
    assert "Brief" in timeline
    # The desk's audit trail: who, which case, the codes (nothing typed by hand).
    (entry,) = await rows(desk_site, audit_t, audit_t.c.action == "case.attempt")
    assert (entry.user_name, entry.case_id) == ("ria", task.case_id)
    assert entry.detail == {
        "attempt": letter.id,
        "soort": "Brief",
        "bereikt": False,
        "datum": "2026-11-02",
        "dagdeel": "Ochtend",
    }
    # The home visit is still to be done: an attempt outside a task does not move the ladder.
    assert [t.id for t in await live_tasks(desk_site)] == [task.id]


async def test_an_attempt_that_cannot_be_true_is_refused_with_the_reason(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await home_visit(desk_site, tmp_path)
    url = f"{desk_site.url}/desk/cases/{task.case_id}/attempt"
    http, csrf = await user(desk_site)
    async with http:
        for data, reason in (
            ({"soort": "Brief", "bereikt": "misschien"}, "bereikt"),
            ({"soort": "Fax", "bereikt": "nee"}, "unknown contactsoort"),
            ({"soort": "Telefoon", "bereikt": "ja"}, "completing its phone or call-back task"),
            ({"soort": "Huisbezoek", "bereikt": "ja"}, "completing its home-visit task"),
            ({"soort": "Brief", "bereikt": "nee", "datum": "2026-11-11"}, "in the future"),
            ({"soort": "Brief", "bereikt": "nee", "datum": "4-11-2026"}, "is not a date"),
            ({"soort": "Brief", "bereikt": "nee", "dagdeel": "Nacht"}, "unknown dagdeel"),
        ):
            async with http.post(url, data={"csrf_token": csrf, **data}) as response:
                assert response.status == 422, data
                page = await response.text()
                assert reason in page, (data, reason)
                assert 'id="attempt-form"' in page  # the page is there to try again
        async with http.post(
            f"{desk_site.url}/desk/cases/4242/attempt",
            data={"csrf_token": csrf, "soort": "Brief", "bereikt": "nee"},
        ) as response:
            assert response.status == 404
    assert await by_hand(desk_site) == []
    assert await rows(desk_site, audit_t, audit_t.c.action == "case.attempt") == []


async def test_the_attempt_form_needs_a_caseworker_and_its_csrf_token(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await home_visit(desk_site, tmp_path)
    url = f"{desk_site.url}/desk/cases/{task.case_id}/attempt"
    data = {"soort": "Brief", "bereikt": "nee", "datum": "2026-11-10"}
    ria, ria_csrf = await user(desk_site)
    cor, cor_csrf = await user(desk_site, "cor", "communicator")
    async with ria, cor:
        for csrf in (None, "forged", ria_csrf[:-1]):
            form = data if csrf is None else {**data, "csrf_token": csrf}
            async with ria.post(url, data=form, allow_redirects=False) as response:
                assert response.status == 403
        async with cor.post(url, data={**data, "csrf_token": cor_csrf}) as response:
            assert response.status == 403  # a communicator records no contact attempts
        async with desk_site.client() as stranger, stranger.post(url, data=data) as response:
            assert response.status == 401
    assert await by_hand(desk_site) == []
