"""Fixtures of the desk (shared by every desk part's tests).

`desk_site`: a running `zaadje serve`-like application on 127.0.0.1 (random port) on a fresh
database from `db_url` (SQLite and PostgreSQL), with simulated channels:

    async def test_x(desk_site: DeskSite) -> None:
        await desk_site.add_user("ria", "caseworker", "a-good-password")
        async with desk_site.client() as http:
            csrf = await desk_site.login(http, "ria", "a-good-password")
            async with http.post(desk_site.url + "/desk/...", data={"csrf_token": csrf}) as r:
                ...

`desk_site.client()` is an aiohttp ClientSession whose cookie jar keeps cookies of an IP
address (aiohttp's default jar drops them). `desk_site.set_now(moment)` stands the desk's
clock still at a moment; by default it is the real clock.

`page`: a Playwright page (async API) on Debian's /usr/bin/chromium. Skipped when chromium is
missing, except under CI, where that fails.

`catalogues`: a compiled copy of the shipped message catalogues as the catalogue directory
(the communicators' pages publish into it); afterwards the repository's own catalogues are
checked to be untouched.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import main
from app.services import Services
from app.settings import Settings
from app.web_desk import DESK_APP
from clock.clock import Clock, SystemClock
from desk.access import DESK_SERVICES, DeskServices, User
from desk.users import add_user, use_parameters
from messages import build, catalog
from store.letter_models import LetterBatch
from tests.serving import serving

CHROMIUM = Path("/usr/bin/chromium")
SIGNAL_HEADER = (
    "id,signaalpartner,signaalpartner_naam,bedrag,signaaldatum,voorletters,achternaam,"
    "straatnaam,huisnummer,postcode,plaatsnaam,telefoonnummer,crisissignaal,taal\n"
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHIPPED_CATALOGUES = catalog.DEFAULT_LOCALES_DIR


def po_digest(directory: Path) -> dict[str, str]:
    """The SHA-256 of every .po file under `directory`, by relative path."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*.po"))
    }


class SettableClock:
    """The real clock until `set`; then that moment, until set again or `release`d."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._real: Clock = SystemClock()

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else self._real.now()

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("set the desk clock to a timezone-aware moment")
        self._fixed = moment

    def release(self) -> None:
        self._fixed = None


@dataclass
class DeskSite:
    url: str  # http://127.0.0.1:PORT (the desk is at url + "/desk/")
    db_url: str
    engine: AsyncEngine
    services: Services
    desk: DeskServices
    clock: SettableClock = field(default_factory=SettableClock)
    app: web.Application | None = None  # the desk sub-application (its router lists routes)

    async def cli(self, *args: str) -> int:
        """Run `zaadje ARGS --db <this site's database>` (in a thread: it has its own loop)."""
        return await asyncio.to_thread(main, [*args, "--db", self.db_url])

    async def seed(self, rows: list[str], now: str, folder: Path) -> None:
        """Ingest signal rows (CSV lines after SIGNAL_HEADER) and run one tick at `now`."""
        path = folder / f"signals-{len(list(folder.glob('signals-*.csv')))}.csv"
        path.write_text(SIGNAL_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        assert await self.cli("ingest", str(path), "--now", now) == 0
        assert await self.cli("tick", "--now", now) == 0

    async def post_letters(self, now: str, folder: Path) -> None:
        """Make the day's print batch and confirm it as posted (a case without a phone number
        starts with a letter; its ladder goes on once the letter is posted)."""
        pdf = folder / f"batch-{now.replace(':', '')}.pdf"
        assert await self.cli("letters", "batch", "--out", str(pdf), "--now", now) == 0
        async with self.engine.connect() as conn:
            batch = await conn.scalar(
                select(func.max(LetterBatch.id)).where(LetterBatch.status == "open")
            )
        assert batch is not None, "no letter was waiting"
        assert await self.cli("letters", "confirm", str(batch), "--now", now) == 0

    async def add_user(self, name: str, role: str, password: str) -> User:
        return await add_user(self.engine, name, role, password)

    def set_now(self, moment: datetime) -> None:
        self.clock.set(moment)

    def client(self, **kwargs: Any) -> aiohttp.ClientSession:
        kwargs.setdefault("cookie_jar", aiohttp.CookieJar(unsafe=True))
        return aiohttp.ClientSession(**kwargs)

    async def login(self, http: aiohttp.ClientSession, name: str, password: str) -> str:
        """Log `http` in as `name` through the login form; returns the session's CSRF token
        (the value every form of the desk carries). Fails the test when login fails."""
        async with http.get(f"{self.url}/desk/login") as response:
            page = await response.text()
        token = _CSRF.search(page)
        assert token, "the login page has no CSRF token"
        async with http.post(
            f"{self.url}/desk/login",
            data={"name": name, "password": password, "csrf_token": token.group(1)},
            allow_redirects=False,
        ) as response:
            assert response.status == 302, f"login of {name!r} failed: {response.status}"
        assert any(c.key == "zaadje_desk" for c in http.cookie_jar), (
            "the session cookie was not kept: use desk_site.client() (CookieJar(unsafe=True))"
        )
        return await self.csrf(http)

    async def csrf(self, http: aiohttp.ClientSession) -> str:
        """The CSRF token of `http`'s session, read from a page of the desk."""
        async with http.get(f"{self.url}/desk/account") as response:
            page = await response.text()
        token = _CSRF.search(page)
        assert token, "no CSRF token on the desk's pages"
        return token.group(1)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    # Still argon2id, with its cheapest parameters: a login costs milliseconds, not 0.3 s.
    use_parameters(CHEAPEST)
    yield
    use_parameters(RFC_9106_LOW_MEMORY)  # argon2-cffi's default, as in production


@pytest.fixture
async def desk_site(db_url: str, workdir: Path) -> AsyncIterator[DeskSite]:
    settings = Settings(database_url=db_url, secret_key_value="test-secret-key")
    async with serving(settings) as served:
        desk = served.app[DESK_APP][DESK_SERVICES]
        clock = SettableClock()
        desk.clock = clock
        yield DeskSite(
            served.url, db_url, served.engine, served.services, desk, clock, served.app[DESK_APP]
        )


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A Playwright page (playwright.async_api.Page) on Debian's chromium."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: the browser tests are required")
        pytest.skip(f"{CHROMIUM} missing: browser tests skipped (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            context = await browser.new_context(locale="nl-NL")  # a Dutch office browser
            yield await context.new_page()
            await context.close()
        finally:
            await browser.close()


@pytest.fixture
def catalogues(tmp_path: Path) -> Iterator[Path]:
    """A compiled copy of the shipped catalogues as the catalogue directory."""
    shipped = po_digest(SHIPPED_CATALOGUES)
    copy = tmp_path / "locales"
    shutil.copytree(SHIPPED_CATALOGUES, copy, ignore=shutil.ignore_patterns("*.mo"))
    build.compile_all(copy)
    catalog.configure(locales_dir=copy, override_dir="", fallbacks=())
    yield copy
    catalog.configure(locales_dir=SHIPPED_CATALOGUES, override_dir="", fallbacks=())
    assert po_digest(SHIPPED_CATALOGUES) == shipped, "a test wrote into the repository's catalogues"
