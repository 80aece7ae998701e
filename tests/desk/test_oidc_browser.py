"""Single sign-on as a caseworker sees it, in Debian's chromium: the desk's login page sends
the browser to the provider (panva's oidc-provider on 127.0.0.1), back in the desk on the
role's page; logging out also logs out at the provider and comes back to the login page;
someone in no mapped group reads why they cannot come in; with local accounts switched off
the password form is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.desk_models import DeskSession
from store.models import table_of
from tests.desk.test_accessibility import axe_violations
from tests.oidc.provider import SsoSite, sso_site

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


async def log_in_at_provider(page: Any, site: SsoSite, person: str) -> None:
    await page.goto(f"{site.desk.url}/desk/login")
    await page.get_by_role("link", name="Inloggen met Voorbeeld-account").click()
    await page.wait_for_url(f"{site.issuer}/**")  # the provider's own login screen
    await page.fill("input[name=login]", person)
    await page.fill("input[name=password]", "any password")
    await page.click("button[type=submit]")


async def test_log_in_at_the_provider_work_and_log_out_everywhere(
    db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch, page: Any
) -> None:
    async with sso_site(db_url, workdir, monkeypatch, local_login=False) as site:
        await page.goto(f"{site.desk.url}/desk/login")
        # Local accounts are off: no password form, only the way to the provider.
        assert await page.locator("input[type=password]").count() == 0
        assert await axe_violations(page) == []
        await log_in_at_provider(page, site, "ria")
        await page.wait_for_url(f"{site.desk.url}/desk/queue")
        assert "ria.jansen" in await page.locator("header .account a").first.inner_text()

        await page.get_by_role("button", name="Uitloggen").click()
        # At the provider: it asks whether to log out there too.
        await page.wait_for_url(f"{site.issuer}/**")
        await page.get_by_role("button", name="Yes, sign me out").click()
        await page.wait_for_url(f"{site.desk.url}/desk/login")
        async with site.desk.engine.connect() as conn:
            assert (await conn.execute(select(table_of(DeskSession)))).all() == []
        # Logged out at the provider too: the next login asks for the name again.
        await page.get_by_role("link", name="Inloggen met Voorbeeld-account").click()
        await page.wait_for_url(f"{site.issuer}/**")
        assert await page.locator("input[name=login]").count() == 1


async def test_someone_in_no_mapped_group_reads_why(
    db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch, page: Any
) -> None:
    async with sso_site(db_url, workdir, monkeypatch) as site:
        await log_in_at_provider(page, site, "joop")
        refusal = page.locator("#sso-refused")
        await refusal.wait_for()
        assert "geen toegang tot de desk" in await refusal.inner_text()
        assert await page.title() == "Niet ingelogd · Zaadje"
        assert await axe_violations(page) == []
        await page.get_by_role("link", name="Terug naar de inlogpagina").click()
        await page.wait_for_url(f"{site.desk.url}/desk/login")
        # Local accounts are on here: the password form is there beside the provider's link.
        assert await page.locator("input[type=password]").count() == 1
        assert await axe_violations(page) == []  # both ways to log in on one page
