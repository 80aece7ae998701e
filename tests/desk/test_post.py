"""The post in the desk, on SQLite and PostgreSQL: a coordinator makes the day's batch of
letters, downloads it, confirms it as posted (audited); a caseworker prints a visit card."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
from sqlalchemy import select

from store.desk_models import DeskAudit
from store.models import ContactAttempt, table_of
from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
NO_PHONE = "N-1,Huur,Woonstad,640,2026-10-20,K.,Bakker,Laan,8,3512CD,Utrecht,,nee,nl"
audit_t = table_of(DeskAudit)
attempts_t = table_of(ContactAttempt)


def pdf_text(body: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


async def test_a_coordinator_makes_downloads_and_confirms_the_days_batch(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.seed([NO_PHONE], "2026-11-02T10:00", tmp_path)
    await desk_site.add_user("cora", "coordinator", PASSWORD)
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    desk_site.set_now(datetime(2026, 11, 2, 15, 0, tzinfo=AMS))
    async with desk_site.client() as http:
        csrf = await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/post") as response:
            assert response.status == 200
            page = await response.text()
        assert "1 brief wacht." in page
        async with http.post(
            f"{desk_site.url}/desk/post/batches", data={"csrf_token": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 302
        async with http.get(f"{desk_site.url}/desk/post/batches/1.pdf") as response:
            assert response.status == 200
            assert response.content_type == "application/pdf"
            first = await response.read()
        async with http.get(f"{desk_site.url}/desk/post/batches/1.pdf") as response:
            assert await response.read() == first  # byte for byte the same
        assert "K. Bakker" in pdf_text(first) and "640" not in pdf_text(first)
        # Nothing counts before the batch is posted.
        async with desk_site.engine.connect() as conn:
            assert (await conn.execute(select(attempts_t))).all() == []
        # A second batch the same day finds nothing: the letter is in batch 1.
        async with http.post(
            f"{desk_site.url}/desk/post/batches", data={"csrf_token": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 409
            assert "Er wachten geen brieven." in await response.text()
        async with http.post(
            f"{desk_site.url}/desk/post/batches/1/confirm",
            data={"csrf_token": csrf},
            allow_redirects=False,
        ) as response:
            assert response.status == 302
        async with http.get(f"{desk_site.url}/desk/post") as response:
            page = await response.text()
        assert 'data-batch="1" data-status="posted"' in page
        async with http.get(f"{desk_site.url}/desk/post/batches/1.pdf") as response:
            assert response.status == 410  # the PDF (names, addresses) is gone once posted
    async with desk_site.engine.connect() as conn:
        (attempt,) = (await conn.execute(select(attempts_t))).all()
        actions = [r.action for r in await conn.execute(select(audit_t.c.action))]
    assert (attempt.soort, attempt.bereikt) == ("Brief", False)
    assert {"post.batch", "post.download", "post.confirm"} <= set(actions)

    # Caseworkers print a card, but may not make batches.
    async with desk_site.client() as http:
        csrf = await desk_site.login(http, "ria", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/cases/1/card.pdf") as response:
            assert response.status == 200
            card = pdf_text(await response.read())
        async with http.post(
            f"{desk_site.url}/desk/post/batches", data={"csrf_token": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 403
    assert "Gemeente" in card and "14 020" in card


async def test_the_case_page_offers_a_card_for_a_home_visit(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.seed([NO_PHONE], "2026-11-02T10:00", tmp_path)
    await desk_site.post_letters("2026-11-02T16:00", tmp_path)
    assert await desk_site.cli("tick", "--now", "2026-11-09T16:30") == 0
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    desk_site.set_now(datetime(2026, 11, 10, 9, 0, tzinfo=AMS))
    async with desk_site.client() as http:
        await desk_site.login(http, "ria", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/cases/1") as response:
            page = await response.text()
    assert 'href="/desk/cases/1/card.pdf"' in page and "Kaartje printen" in page
