"""Input nobody should send, sent anyway: the desk answers with a plain refusal (400/404),
never a 500 with a traceback, and changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.desk_models import DeskUser
from store.models import table_of
from tests.desk.conftest import DeskSite
from tests.desk.test_access import counts
from tests.desk.test_login import try_login

PASSWORD = "a-long-enough-password"
TOO_BIG = "9" * 20  # more than a 64-bit id column holds

GETS = [
    # A case id past the column's range overflowed the database driver.
    (f"/desk/cases/{TOO_BIG}", 404),
    # "²" is a digit to str.isdigit() but not to int().
    ("/desk/admin/audit?case=%C2%B2", 400),
    (f"/desk/admin/audit?case={TOO_BIG}", 400),
    # A page marker with numbers past the columns' ranges.
    (f"/desk/queue?after=1_1_{TOO_BIG}", 400),
    (f"/desk/queue?after={TOO_BIG}_1_1", 400),
    # Dates that exist but overflow once turned into moments in UTC.
    ("/desk/monitor?from=0001-01-01&to=0001-01-02", 400),
    ("/desk/monitor?from=2025-01-01&to=9999-12-31", 400),
    ("/desk/monitor/figures.csv?from=0001-01-01", 400),
]
POSTS = [
    f"/desk/cases/{TOO_BIG}/send",
    f"/desk/cases/{TOO_BIG}/chat",
    f"/desk/tasks/{TOO_BIG}/claim",
    f"/desk/tasks/{TOO_BIG}/complete",
    f"/desk/texts/changes/{TOO_BIG}/approve",
]


@pytest.mark.parametrize(("path", "status"), GETS)
async def test_out_of_range_numbers_and_dates_are_refused_plainly(
    desk_site: DeskSite, path: str, status: int
) -> None:
    await desk_site.add_user("ada", "admin", PASSWORD)
    async with desk_site.client() as http:
        await desk_site.login(http, "ada", PASSWORD)
        async with http.get(desk_site.url + path, allow_redirects=False) as response:
            assert response.status == status, await response.text()


async def test_posts_to_ids_out_of_range_find_nothing_and_change_nothing(
    desk_site: DeskSite,
) -> None:
    await desk_site.add_user("ada", "admin", PASSWORD)
    async with desk_site.client() as http:
        csrf = await desk_site.login(http, "ada", PASSWORD)
        before = await counts(desk_site)
        for path in POSTS:
            data = {"csrf_token": csrf, "send_id": "x", "mode": "free", "text": "Hallo"}
            async with http.post(desk_site.url + path, data=data, allow_redirects=False) as r:
                assert r.status == 404, (path, r.status)
        assert await counts(desk_site) == before


async def test_an_admin_cannot_give_a_user_a_short_password(desk_site: DeskSite) -> None:
    # `zaadje users add` asked for 12 characters; the admin page took a single one.
    await desk_site.add_user("ada", "admin", PASSWORD)
    async with desk_site.client() as http:
        csrf = await desk_site.login(http, "ada", PASSWORD)
        data = {"csrf_token": csrf, "name": "sam", "role": "caseworker", "password": "x"}
        async with http.post(f"{desk_site.url}/desk/admin/users", data=data) as response:
            assert response.status == 400
            assert "too short" in await response.text()
    async with desk_site.engine.connect() as conn:
        names = (await conn.execute(select(table_of(DeskUser).c.name))).scalars().all()
    assert names == ["ada"]


async def test_a_nul_character_is_refused_before_it_reaches_the_database(
    desk_site: DeskSite,
) -> None:
    # PostgreSQL cannot store or compare a NUL: a login name with one was a 500 for anyone,
    # logged in or not, and so were a free text and a new user's name.
    await desk_site.add_user("ada", "admin", PASSWORD)
    async with desk_site.client() as http:
        assert await try_login(http, desk_site, "ada\x00", PASSWORD) == 400
        csrf = await desk_site.login(http, "ada", PASSWORD)
        before = await counts(desk_site)
        posts = [
            ("/desk/admin/users", {"name": "s\x00m", "role": "caseworker", "password": PASSWORD}),
            ("/desk/cases/1/send", {"send_id": "a", "mode": "free", "text": "Hallo\x00"}),
            ("/desk/texts/sms.menu/nl", {"form_0": "Hallo\x00", "action": "save"}),
        ]
        for path, data in posts:
            form = {"csrf_token": csrf, **data}
            async with http.post(desk_site.url + path, data=form, allow_redirects=False) as r:
                assert r.status == 400, (path, r.status)
                assert "NUL" in await r.text()
        async with http.get(f"{desk_site.url}/desk/queue?kind=%00") as response:
            assert response.status == 400
        assert await counts(desk_site) == before


async def test_refusals_and_redirects_carry_the_same_protective_headers(
    desk_site: DeskSite,
) -> None:
    # Raised answers (a redirect to the login page, a 404 quoting the path) skipped the
    # guard's headers: no nosniff, no policy, no "no-store".
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    async with desk_site.client() as http:
        async with http.get(f"{desk_site.url}/desk/queue", allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Cache-Control"] == "no-store"
        await desk_site.login(http, "ria", PASSWORD)
        for path, status in (("/desk/cases/424242", 404), ("/desk/texts", 403)):
            async with http.get(desk_site.url + path, allow_redirects=False) as response:
                assert response.status == status
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert "script-src 'none'" in response.headers["Content-Security-Policy"]
                assert response.headers["Cache-Control"] == "no-store"


async def _raw_post(site: DeskSite, path: str, headers: bytes, body: bytes) -> int:
    """POST with bytes no HTTP library would send (a header that is not UTF-8)."""
    import asyncio
    from urllib.parse import urlsplit

    url = urlsplit(site.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n".encode()
            + headers
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status_line = await reader.readline()
    finally:
        writer.close()
    return int(status_line.split()[1])


async def test_tokens_and_forms_that_are_no_text_are_refused_not_a_500(
    desk_site: DeskSite,
) -> None:
    before = await counts(desk_site)
    form = b"Content-Type: application/x-www-form-urlencoded\r\n"
    # A CSRF header / login cookie with bytes that are no UTF-8.
    cookie = b"Cookie: zaadje_desk_login=\xff\xfe\r\n"
    login = b"name=a&password=b&csrf_token=x"
    assert await _raw_post(desk_site, "/desk/login", form + cookie, login) == 403
    assert await _raw_post(desk_site, "/desk/logout", form + b"X-CSRF-Token: \xff\xfe\r\n",
                           b"") in (401, 403)  # fmt: skip
    # A form in a character set nobody knows.
    odd = b"Content-Type: application/x-www-form-urlencoded; charset=no-such-charset\r\n"
    assert await _raw_post(desk_site, "/desk/login", odd, b"name=a&password=b") == 400
    assert await counts(desk_site) == before
