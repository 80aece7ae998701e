"""A caseworker's day through the desk over HTTP, on SQLite and PostgreSQL: the case page,
claiming, recording attempts that drive the flow, snoozing, sending texts, the audit trail."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import insert, select

from store.desk_models import DeskAudit
from store.models import Case, OptOut, Outbox, SimulatedMessage, Task, table_of
from store.personal import hashed_address
from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
PHONE = "+31612345678"
# A crisis signal: the first SMS and a phone task come at once (Monday 2 November 2026).
CRISIS = f"C-1,Energie,Eneco,912.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,{PHONE},ja,nl"
START = "2026-11-02T10:00"

tasks_t = table_of(Task)
cases_t = table_of(Case)
outbox_t = table_of(Outbox)
audit_t = table_of(DeskAudit)
simulated_t = table_of(SimulatedMessage)


async def rows(site: DeskSite, table: Any, *where: Any) -> list[Any]:
    async with site.engine.connect() as conn:
        return list((await conn.execute(select(table).where(*where))).all())


async def live_tasks(site: DeskSite) -> list[Any]:
    return sorted(
        await rows(site, tasks_t, tasks_t.c.status.in_(("open", "claimed"))), key=lambda t: t.id
    )


async def crisis_case(site: DeskSite, tmp_path: Path) -> Any:
    await site.seed([CRISIS], START, tmp_path)
    site.set_now(datetime(2026, 11, 2, 10, 30, tzinfo=AMS))
    (task,) = await live_tasks(site)
    assert task.kind == "phone"
    return task


async def caseworker(site: DeskSite, name: str = "ria") -> tuple[aiohttp.ClientSession, str]:
    await site.add_user(name, "caseworker", PASSWORD)
    http = site.client()
    return http, await site.login(http, name, PASSWORD)


async def test_case_page_shows_names_partners_amounts_and_the_conversation(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, _ = await caseworker(desk_site)
    async with http, http.get(f"{desk_site.url}/desk/cases/{task.case_id}") as response:
        assert response.status == 200
        page = await response.text()
    assert "J. Jansen" in page and "Dorpsstraat 3" in page and PHONE in page
    assert "Energie (Eneco)" in page and "912,50" in page  # partner and amount: here only
    assert "Crisissignaal" in page or "crisis" in page.lower()  # a priority reason
    assert "sms.first_contact" in page  # the SMS sent is on the timeline
    # The view is in the audit log, with who and which case.
    (entry,) = await rows(desk_site, audit_t, audit_t.c.action == "case.view")
    assert entry.user_name == "ria" and entry.case_id == task.case_id


async def test_claim_then_not_reached_brings_the_next_attempt_on_another_daypart(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    async with http:
        async with http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/claim",
            data={"csrf_token": csrf},
            allow_redirects=False,
        ) as response:
            assert response.status == 302
            assert response.headers["Location"].startswith(f"/desk/cases/{task.case_id}")
        (claimed,) = await live_tasks(desk_site)
        assert (claimed.status, claimed.claimed_by) == ("claimed", "ria")

        async with http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/complete",
            data={
                "csrf_token": csrf,
                "soort": "Telefoon",
                "bereikt": "nee",
                "dagdeel": "Ochtend",
                "resultaat": "",
                "note": "voicemail",
            },
        ) as response:
            assert response.status == 200
            page = await response.text()
    (done,) = await rows(desk_site, tasks_t, tasks_t.c.id == task.id)
    assert done.status == "done" and done.outcome["reached"] is False
    (following,) = await live_tasks(desk_site)
    # Exactly what `zaadje task complete` would do: the flow plans the next step.
    assert following.id != task.id and following.case_id == task.case_id
    assert following.kind in ("phone", "home_visit")
    assert f'id="task-{following.id}"' in page  # and the case page shows it
    assert "Ochtend" in page and "voicemail" in page  # the attempt on the timeline
    actions = [a.action for a in await rows(desk_site, audit_t)]
    assert "task.claim" in actions and "task.complete" in actions
    (record,) = await rows(desk_site, audit_t, audit_t.c.action == "task.complete")
    assert record.task_id == task.id and record.detail["reached"] is False
    assert "voicemail" not in str(record.detail)  # no free text in the audit trail


async def test_two_caseworkers_claiming_at_once_one_gets_it_the_other_is_told(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    ria, ria_csrf = await caseworker(desk_site, "ria")
    sam, sam_csrf = await caseworker(desk_site, "sam")
    url = f"{desk_site.url}/desk/tasks/{task.id}/claim"

    async def try_claim(http: aiohttp.ClientSession, csrf: str) -> tuple[int, str]:
        async with http.post(url, data={"csrf_token": csrf}, allow_redirects=False) as r:
            return r.status, await r.text()

    async with ria, sam:
        results = await asyncio.gather(try_claim(ria, ria_csrf), try_claim(sam, sam_csrf))
    statuses = sorted(status for status, _ in results)
    assert statuses == [302, 409]
    (claimed,) = await live_tasks(desk_site)
    loser_page = next(text for status, text in results if status == 409)
    assert f"already claimed by {claimed.claimed_by}" in loser_page


async def test_only_the_holder_gives_a_task_back(desk_site: DeskSite, tmp_path: Path) -> None:
    task = await crisis_case(desk_site, tmp_path)
    ria, ria_csrf = await caseworker(desk_site, "ria")
    sam, sam_csrf = await caseworker(desk_site, "sam")
    base = f"{desk_site.url}/desk/tasks/{task.id}"
    async with ria, sam:
        async with ria.post(f"{base}/claim", data={"csrf_token": ria_csrf}) as r:
            assert r.status == 200
        async with sam.post(f"{base}/unclaim", data={"csrf_token": sam_csrf}) as r:
            assert r.status == 409
        async with sam.post(
            f"{base}/complete", data={"csrf_token": sam_csrf, "bereikt": "ja"}
        ) as r:
            assert r.status == 409  # nor may another record its outcome
        (still,) = await live_tasks(desk_site)
        assert (still.status, still.claimed_by) == ("claimed", "ria")
        async with ria.post(f"{base}/unclaim", data={"csrf_token": ria_csrf}) as r:
            assert r.status == 200
    (back,) = await live_tasks(desk_site)
    assert (back.status, back.claimed_by) == ("open", None)


async def test_reached_with_a_result_closes_the_case(desk_site: DeskSite, tmp_path: Path) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    result = "(Budget)advies en/of quick fix"
    async with (
        http,
        http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/complete",
            data={"csrf_token": csrf, "bereikt": "ja", "dagdeel": "Ochtend", "resultaat": result},
        ) as response,
    ):
        assert response.status == 200
    assert await live_tasks(desk_site) == []
    (case,) = await rows(desk_site, cases_t, cases_t.c.id == task.case_id)
    assert (case.state, case.result) == ("closed", result)


async def test_a_bad_outcome_is_refused_with_the_reason_and_changes_nothing(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    url = f"{desk_site.url}/desk/tasks/{task.id}/complete"
    async with http:
        for data, reason in (
            ({"bereikt": "misschien"}, "bereikt"),
            ({"bereikt": "nee", "dagdeel": "Nacht"}, "dagdeel"),
            ({"bereikt": "ja", "resultaat": "Opgelost"}, "DDAS result"),
            ({"bereikt": "nee", "soort": "Huisbezoek"}, "contactsoort"),
        ):
            async with http.post(url, data={"csrf_token": csrf, **data}) as response:
                assert response.status == 400
                assert reason in await response.text()
    (same,) = await live_tasks(desk_site)
    assert same.id == task.id and same.status == "open"


async def test_snooze_moves_the_task_to_a_later_slot(desk_site: DeskSite, tmp_path: Path) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    async with http:
        async with http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/claim", data={"csrf_token": csrf}
        ) as response:
            page = await response.text()  # the case page, with the claimed task's forms
        slots = re.findall(r'<option value="(2026-[^"]+)"', page)
        assert slots, "the case page offers contact slots"
        tomorrow_morning = next(s for s in slots if s.startswith("2026-11-03T09:00"))
        async with http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/snooze",
            data={"csrf_token": csrf, "slot": tomorrow_morning},
        ) as response:
            assert response.status == 200
        async with http.post(
            f"{desk_site.url}/desk/tasks/{task.id}/snooze",
            data={"csrf_token": csrf, "slot": "2020-01-01T09:00:00+01:00"},
        ) as response:
            assert response.status == 400  # only the slots offered
    (snoozed,) = await live_tasks(desk_site)
    assert snoozed.not_before == datetime(2026, 11, 3, 9, 0, tzinfo=AMS)
    assert snoozed.due >= datetime(2026, 11, 3, 12, 0, tzinfo=AMS)
    assert snoozed.daypart == "Ochtend"


async def test_send_a_catalogue_text_or_a_free_text_that_keeps_the_rules(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    http, csrf = await caseworker(desk_site)
    url = f"{desk_site.url}/desk/cases/{task.case_id}/send"
    before = len(await rows(desk_site, outbox_t))
    async with http:
        bad = "Uw schuld bij Eneco is 912 euro, zie https://example.org"
        async with http.post(
            url, data={"csrf_token": csrf, "send_id": "a1", "mode": "free", "text": bad}
        ) as response:
            assert response.status == 422
            page = await response.text()
        assert "schuld" in page and "https://example.org" in page  # the findings are shown
        assert len(await rows(desk_site, outbox_t)) == before  # nothing was queued

        good = "Wij belden u net. Bel ons terug als het u past."
        for _ in range(2):  # a double click sends once
            async with http.post(
                url, data={"csrf_token": csrf, "send_id": "b2", "mode": "free", "text": good}
            ) as response:
                assert response.status == 200
        async with http.post(
            url,
            data={"csrf_token": csrf, "send_id": "c3", "mode": "catalogue", "key": "sms.menu"},
        ) as response:
            assert response.status == 200
    queued = await rows(desk_site, outbox_t, outbox_t.c.idempotency_key.like("desk:%"))
    assert sorted(m.message_key for m in queued) == ["desk.free_text", "sms.menu"]
    assert all(m.to_address == PHONE and m.case_id == task.case_id for m in queued)
    # The dispatcher hands the free text over as written.
    assert await desk_site.cli("tick", "--now", "2026-11-02T10:40") == 0
    handed = [m.text for m in await rows(desk_site, simulated_t)]
    assert good in handed
    sends = await rows(desk_site, audit_t, audit_t.c.action == "case.send")
    assert len({s.detail["outbox"] for s in sends} - {None}) == 2  # the repeat queued nothing
    assert all(good not in str(s.detail) for s in sends)


async def test_not_reached_twice_on_the_phone_brings_a_home_visit(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    # The default ladder: SMS, reminder, then calls on different dayparts, then a home visit.
    plain = f"H-1,Huur,Woonstad,640,2026-10-20,K.,Bakker,Laan,8,3512CD,Utrecht,{PHONE},nee,nl"
    await desk_site.seed([plain], "2026-11-02T09:00", tmp_path)
    for moment in ("2026-11-05T09:00", "2026-11-09T09:00"):
        assert await desk_site.cli("tick", "--now", moment) == 0
    desk_site.set_now(datetime(2026, 11, 9, 10, 0, tzinfo=AMS))
    (first,) = await live_tasks(desk_site)
    assert first.kind == "phone"
    http, csrf = await caseworker(desk_site)
    async with http:
        for task in (first, None):
            if task is None:
                (task,) = await live_tasks(desk_site)
                # Another daypart than the morning that was tried.
                assert task.kind == "phone" and task.daypart in ("Middag", "Avond")
                desk_site.set_now(datetime(2026, 11, 10, 18, 0, tzinfo=AMS))
                csrf = await desk_site.login(http, "ria", PASSWORD)  # a new working day
            async with http.post(
                f"{desk_site.url}/desk/tasks/{task.id}/complete",
                data={"csrf_token": csrf, "bereikt": "nee", "soort": "Telefoon"},
            ) as response:
                assert response.status == 200
    (visit,) = await live_tasks(desk_site)
    assert visit.kind == "home_visit"


async def test_nothing_is_sent_to_a_resident_who_opted_out(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    task = await crisis_case(desk_site, tmp_path)
    async with desk_site.engine.begin() as conn:
        await conn.execute(
            insert(table_of(OptOut)).values(
                address=PHONE, channel="sms", source="reply", created_at=datetime.now(AMS)
            )
        )
    before = len(await rows(desk_site, outbox_t))
    http, csrf = await caseworker(desk_site)
    async with (
        http,
        http.post(
            f"{desk_site.url}/desk/cases/{task.case_id}/send",
            data={"csrf_token": csrf, "send_id": "d4", "mode": "catalogue", "key": "sms.menu"},
        ) as response,
    ):
        assert response.status == 422
        assert "opted out" in await response.text()
    assert len(await rows(desk_site, outbox_t)) == before


async def test_an_opt_out_kept_as_a_hash_after_erasure_also_stops_the_desk(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    # After `zaadje erase` her opt-out is kept only as a hash of her number (store/personal.py);
    # the desk looked for the number itself, said "in the outbox" and queued a text that the
    # dispatcher then held.
    task = await crisis_case(desk_site, tmp_path)
    async with desk_site.engine.begin() as conn:
        await conn.execute(
            insert(table_of(OptOut)).values(
                address=hashed_address(PHONE),
                channel="sms",
                source="reply",
                created_at=datetime.now(AMS),
            )
        )
    before = len(await rows(desk_site, outbox_t))
    http, csrf = await caseworker(desk_site)
    async with http:
        async with http.get(f"{desk_site.url}/desk/cases/{task.case_id}") as response:
            assert "(STOP)" in await response.text()  # the page says so before anyone tries
        async with http.post(
            f"{desk_site.url}/desk/cases/{task.case_id}/send",
            data={"csrf_token": csrf, "send_id": "d5", "mode": "catalogue", "key": "sms.menu"},
        ) as response:
            assert response.status == 422
            assert "opted out" in await response.text()
    assert len(await rows(desk_site, outbox_t)) == before


async def test_a_claim_that_lands_first_is_checked_under_the_task_lock(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    # What the desk's own early check cannot see: Jan's claim lands between Ria's page
    # load and her post. The holder check inside casework's lock refuses her.
    from casework.tasks import TaskError, claim, complete, snooze

    task = await crisis_case(desk_site, tmp_path)
    now = datetime(2026, 11, 2, 10, 40, tzinfo=AMS)
    await claim(desk_site.engine, task.id, "jan", now)
    work = desk_site.services.context.rules
    with pytest.raises(TaskError, match="claimed by jan"):
        await complete(desk_site.engine, work, task.id, False, now, user="ria", holder="ria")
    later = datetime(2026, 11, 3, 12, 0, tzinfo=AMS)
    with pytest.raises(TaskError, match="claimed by jan"):
        await snooze(desk_site.engine, task.id, later, later + timedelta(hours=5), None, now,
                     holder="ria")  # fmt: skip
    (still,) = await rows(desk_site, tasks_t, tasks_t.c.id == task.id)
    assert (still.status, still.claimed_by) == ("claimed", "jan")
    # Jan himself (or a coordinator, holder=None) may.
    await complete(desk_site.engine, work, task.id, False, now, user="jan", holder="jan")
