"""Communicators see a letter or card text as it would be printed: a PDF of the whole letter
with the text as edited, before anything is saved (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from desk.users import add_user
from tests.desk.conftest import DeskSite

PASSWORD = "a-good-password"


@pytest.fixture
async def site(desk_site: DeskSite, catalogues: Path) -> DeskSite:
    await add_user(desk_site.engine, "anna", "communicator", PASSWORD, locale="en")
    return desk_site


def text_of(pdf: bytes) -> str:
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


async def test_a_letter_subject_is_previewed_in_its_letter_as_a_pdf(site: DeskSite) -> None:
    async with site.client() as http:
        csrf = await site.login(http, "anna", PASSWORD)
        async with http.get(f"{site.url}/desk/texts/letter.first_contact.subject/nl") as page:
            assert "/letter.first_contact.subject/nl/print.pdf" in await page.text()
        async with http.post(
            f"{site.url}/desk/texts/letter.first_contact.subject/nl/print.pdf",
            data={"csrf_token": csrf, "form_0": "Een nieuw onderwerp voor u"},
        ) as response:
            assert response.status == 200 and response.content_type == "application/pdf"
            text = text_of(await response.read())
        # The edited subject, in its letter: salutation, the body's words, the window address.
        assert "Een nieuw onderwerp voor u" in text
        assert "Beste J. de Vries" in text and "Voorbeeldstraat 1" in text
        # An SMS text is not printed: no PDF preview for it.
        async with http.get(f"{site.url}/desk/texts/sms.first_contact/nl") as page:
            assert "print.pdf" not in await page.text()
        async with http.post(
            f"{site.url}/desk/texts/sms.first_contact/nl/print.pdf",
            data={"csrf_token": csrf, "form_0": "x"},
        ) as response:
            assert response.status == 404


async def test_the_salutation_without_a_name_is_previewed_in_a_letter_too(site: DeskSite) -> None:
    async with site.client() as http:
        csrf = await site.login(http, "anna", PASSWORD)
        async with http.get(f"{site.url}/desk/texts/letter.salutation.unnamed/nl") as page:
            assert "/letter.salutation.unnamed/nl/print.pdf" in await page.text()
        async with http.post(
            f"{site.url}/desk/texts/letter.salutation.unnamed/nl/print.pdf",
            data={"csrf_token": csrf, "form_0": "Beste bewoners van dit huis,"},
        ) as response:
            assert response.status == 200 and response.content_type == "application/pdf"
            text = text_of(await response.read())
    assert "Beste bewoners van dit huis" in text
