"""The communicators' pages over HTTP, on SQLite and PostgreSQL: who may get in, CSRF, preview
with findings, four-eyes approval that publishes into the municipality's override catalogue,
and the audit trail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.users import add_user
from messages import catalog, publish, render
from store.desk_models import DeskAudit
from store.models import table_of
from tests.desk.conftest import DeskSite, po_digest

PASSWORD = "a-good-password"
CITY = {"gemeente": "Utrecht", "telefoon": "14 030"}


@pytest.fixture
async def site(desk_site: DeskSite, catalogues: Path) -> DeskSite:
    # English interface, so the page texts these tests look for do not depend on the Dutch
    # interface catalogue.
    for name, role in (("anna", "communicator"), ("bram", "communicator"), ("ria", "caseworker")):
        await add_user(desk_site.engine, name, role, PASSWORD, locale="en")
    return desk_site


def first_contact() -> str:
    return publish.current("sms.first_contact", "nl").text


def _change_id(page: str) -> tuple[str, str]:
    found = re.search(r'action="/desk/texts/changes/(\d+)/approve"', page)
    assert found, "no approve form on the page"
    revision = re.search(
        rf'changes/{found.group(1)}/approve".*?name="revision" value="(\d+)"', page, re.S
    )
    assert revision
    return found.group(1), revision.group(1)


async def test_a_caseworker_cannot_reach_the_communicators_pages(site: DeskSite) -> None:
    async with site.client() as http:
        csrf = await site.login(http, "ria", PASSWORD)
        for path in ("/desk/texts", "/desk/texts/sms.start", "/desk/texts/sms.start/nl"):
            async with http.get(site.url + path) as response:
                assert response.status == 403, path
        data = {"csrf_token": csrf, "form_0": "Gemeente {gemeente}.", "action": "save"}
        async with http.post(site.url + "/desk/texts/sms.start/nl", data=data) as response:
            assert response.status == 403
        async with http.post(
            site.url + "/desk/texts/changes/1/approve", data={"csrf_token": csrf, "revision": "1"}
        ) as response:
            assert response.status == 403


async def test_without_login_the_pages_send_you_to_the_login(site: DeskSite) -> None:
    async with (
        site.client() as http,
        http.get(site.url + "/desk/texts", allow_redirects=False) as response,
    ):
        assert response.status == 302
        assert response.headers["Location"] == "/desk/login"


async def test_a_post_without_csrf_token_changes_nothing(site: DeskSite) -> None:
    new = first_contact().replace("Goedendag.", "Hallo.")
    async with site.client() as http:
        await site.login(http, "anna", PASSWORD)
        data = {"form_0": new, "action": "save"}
        async with http.post(site.url + "/desk/texts/sms.first_contact/nl", data=data) as r:
            assert r.status == 403
        async with http.post(
            site.url + "/desk/texts/sms.first_contact/nl", data={**data, "csrf_token": "forged"}
        ) as r:
            assert r.status == 403
        async with http.get(site.url + "/desk/texts") as r:
            assert "No drafts are waiting." in await r.text()


async def test_edit_preview_draft_and_four_eyes_publish_into_the_override(
    site: DeskSite, catalogues: Path, tmp_path: Path
) -> None:
    override = tmp_path / "gemeente"
    catalog.configure(override_dir=override)
    shipped = po_digest(catalogues)
    with_link = first_contact().replace("Of bel ons", "Kijk op www.voorbeeld.nl of bel ons")
    fixed = first_contact().replace("Goedendag.", "Hallo.")
    url = site.url + "/desk/texts/sms.first_contact/nl"

    async with site.client() as anna:
        csrf = await site.login(anna, "anna", PASSWORD)
        async with anna.get(url) as r:
            page = await r.text()
            assert r.status == 200 and 'name="form_0"' in page and "Goedendag." in page
        # Preview: the link is an error, shown with the SMS facts; nothing is stored.
        async with anna.post(
            url, data={"csrf_token": csrf, "form_0": with_link, "action": "preview"}
        ) as r:
            page = await r.text()
            assert r.status == 200
            assert 'data-rule="link" data-severity="error"' in page
            assert "Gemeente Voorbeeld: Goedendag." in page  # the municipality's own values
            assert '<span class="encoding">GSM-7</span>' in page
        # Fixed, previewed clean, saved as a draft.
        async with anna.post(
            url, data={"csrf_token": csrf, "form_0": fixed, "action": "preview"}
        ) as r:
            page = await r.text()
            assert 'data-severity="error"' not in page and "No findings" in page
        async with anna.post(
            url, data={"csrf_token": csrf, "form_0": fixed.replace("\n", "\r\n"), "action": "save"}
        ) as r:
            assert r.status == 200 and r.url.path == "/desk/texts/sms.first_contact"
            page = await r.text()
            assert "Draft saved" in page and "This is your draft" in page
        assert render("sms.first_contact", "nl", **CITY).startswith("Gemeente Utrecht: Goedendag.")
        # Anna cannot approve her own draft, even by posting the form herself.
        async with anna.get(site.url + "/desk/texts/sms.first_contact") as r:
            assert '/approve"' not in await r.text()  # no approve button for the author
        async with anna.post(
            site.url + "/desk/texts/changes/1/approve", data={"csrf_token": csrf, "revision": "1"}
        ) as r:
            assert r.status == 403
            assert "cannot approve your own draft" in await r.text()

    async with site.client() as bram:
        csrf = await site.login(bram, "bram", PASSWORD)
        async with bram.get(site.url + "/desk/texts") as r:
            assert "sms.first_contact (nl)" in await r.text()
        async with bram.get(site.url + "/desk/texts/sms.first_contact") as r:
            change_id, revision = _change_id(await r.text())
        async with bram.post(
            f"{site.url}/desk/texts/changes/{change_id}/approve",
            data={"csrf_token": csrf, "revision": revision},
        ) as r:
            page = await r.text()
            assert r.status == 200 and "Approved and published" in page
            assert re.search(r'data-status="published"', page)

    assert render("sms.first_contact", "nl", **CITY).startswith("Gemeente Utrecht: Hallo.")
    assert publish.current("sms.first_contact", "nl").origin == "override"
    assert po_digest(catalogues) == shipped  # the shipped catalogue stays as released
    async with site.engine.connect() as conn:
        audit_t = table_of(DeskAudit)
        rows = (await conn.execute(select(audit_t).order_by(audit_t.c.id))).all()
    actions = [(r.user_name, r.action, r.detail) for r in rows if r.action.startswith("text.")]
    assert actions == [
        ("anna", "text.draft", {"key": "sms.first_contact", "locale": "nl", "change": 1}),
        ("bram", "text.publish", {"key": "sms.first_contact", "locale": "nl", "change": 1}),
    ]


async def test_a_draft_with_an_error_cannot_be_approved_over_http(site: DeskSite) -> None:
    with_debt = first_contact().replace("Soms is rondkomen lastig.", "Uw schuld is hoog.")
    async with site.client() as anna:
        csrf = await site.login(anna, "anna", PASSWORD)
        async with anna.post(
            site.url + "/desk/texts/sms.first_contact/nl",
            data={"csrf_token": csrf, "form_0": with_debt, "action": "save"},
        ) as r:
            assert r.status == 200
    async with site.client() as bram:
        csrf = await site.login(bram, "bram", PASSWORD)
        async with bram.get(site.url + "/desk/texts/sms.first_contact") as r:
            page = await r.text()
            assert 'data-rule="debt-word"' in page and "cannot be approved" in page
            assert "/approve" not in page  # no approve button for a text that breaks a rule
        async with bram.post(
            site.url + "/desk/texts/changes/1/approve", data={"csrf_token": csrf, "revision": "1"}
        ) as r:
            assert r.status == 409
            assert 'id="blocked"' in await r.text()
        async with bram.post(
            site.url + "/desk/texts/changes/1/reject",
            data={"csrf_token": csrf, "revision": "1", "note": "Het woord schuld mag niet."},
        ) as r:
            page = await r.text()
            assert r.status == 200 and 'data-status="rejected"' in page
            assert "Het woord schuld mag niet." in page
    assert "schuld" not in render("sms.first_contact", "nl", **CITY)


async def test_unknown_texts_and_languages_are_not_found(site: DeskSite) -> None:
    async with site.client() as http:
        await site.login(http, "anna", PASSWORD)
        for path in ("/desk/texts/sms.nope", "/desk/texts/sms.start/xx"):
            async with http.get(site.url + path) as response:
                assert response.status == 404, path
        async with http.get(site.url + "/desk/texts/history") as response:
            assert response.status == 200 and "No changes yet." in await response.text()


async def test_translators_get_every_plural_form_the_dutch_source_and_right_to_left(
    site: DeskSite,
) -> None:
    async with site.client() as http:
        csrf = await site.login(http, "anna", PASSWORD)
        async with http.get(site.url + "/desk/texts/sms.after_missed_call/pl") as r:
            page = await r.text()
        assert [f"form_{i}" in page for i in range(4)] == [True, True, True, False]
        assert "Dutch source" in page and "werkdagen" in page
        async with http.get(site.url + "/desk/texts/sms.start/ar") as r:
            assert 'dir="rtl"' in await r.text()
        forms = {
            "form_0": "Gmina {gemeente}: Zadzwonimy za {n} dzień. Tel: {telefoon}",
            "form_1": "Gmina {gemeente}: Zadzwonimy za {n} dni. Tel: {telefoon}",
            "form_2": "Gmina {gemeente}: Zadzwonimy za {n} dni. Tel: {telefoon}",
        }
        async with http.post(
            site.url + "/desk/texts/sms.after_missed_call/pl",
            data={"csrf_token": csrf, "action": "save", **forms},
        ) as r:
            assert r.status == 200 and "Draft saved" in await r.text()
    async with site.client() as http:
        csrf = await site.login(http, "bram", PASSWORD)
        async with http.get(site.url + "/desk/texts/sms.after_missed_call") as r:
            change_id, revision = _change_id(await r.text())
        async with http.post(
            f"{site.url}/desk/texts/changes/{change_id}/approve",
            data={"csrf_token": csrf, "revision": revision},
        ) as r:
            assert r.status == 200
    assert render("sms.after_missed_call", "pl", n=3, **CITY) == (
        "Gmina Utrecht: Zadzwonimy za 3 dni. Tel: 14 030"
    )
