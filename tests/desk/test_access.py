"""Every route of the desk, enumerated from its router: nothing without a session, nothing
outside one's role, no POST without its CSRF token, and none of these refusals changes a row.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from store.schema import metadata
from tests.desk.conftest import DeskSite

PASSWORD = "a-long-enough-password"
PUBLIC = {("GET", "/desk/login"), ("HEAD", "/desk/login"), ("POST", "/desk/login")}


def desk_routes(site: DeskSite) -> list[tuple[str, str]]:
    """(method, concrete path) of every route, path parameters filled with 1."""
    assert site.app is not None
    found = []
    for resource in site.app.router.resources():
        info = resource.get_info()
        if "directory" in info:  # the static files: public on purpose, read-only
            continue
        path = info.get("path") or re.sub(r"\{[^}]+\}", "1", info["formatter"])
        for route in resource:
            found.append((route.method, path))
    assert found, "the desk has routes"
    return sorted(set(found))


async def counts(site: DeskSite) -> dict[str, int]:
    async with site.engine.connect() as conn:
        return {
            table.name: int(await conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


async def request(
    http: aiohttp.ClientSession, site: DeskSite, method: str, path: str, data: Any = None
) -> aiohttp.ClientResponse:
    async with http.request(method, site.url + path, data=data, allow_redirects=False) as response:
        await response.read()
        return response


async def test_without_a_session_every_route_sends_to_login_or_answers_401(
    desk_site: DeskSite,
) -> None:
    routes = desk_routes(desk_site)
    assert ("GET", "/desk/queue") in routes and ("POST", "/desk/tasks/1/claim") in routes
    before = await counts(desk_site)
    async with desk_site.client() as http:
        for method, path in routes:
            if (method, path) in PUBLIC:
                continue
            response = await request(http, desk_site, method, path, data={"csrf_token": "x"})
            if method in ("GET", "HEAD"):
                assert response.status == 302, (method, path, response.status)
                assert response.headers["Location"] == "/desk/login", (method, path)
            else:
                assert response.status == 401, (method, path, response.status)
    assert await counts(desk_site) == before


async def logged_in(site: DeskSite, name: str, role: str) -> tuple[aiohttp.ClientSession, str]:
    await site.add_user(name, role, PASSWORD)
    http = site.client()
    return http, await site.login(http, name, PASSWORD)


async def test_a_caseworker_cannot_reach_communicator_coordinator_or_admin_routes(
    desk_site: DeskSite,
) -> None:
    forbidden = [
        (method, path)
        for method, path in desk_routes(desk_site)
        if path.startswith(("/desk/texts", "/desk/admin", "/desk/coordinator"))
    ]
    assert ("GET", "/desk/admin/users") in forbidden and ("POST", "/desk/admin/users") in forbidden
    http, csrf = await logged_in(desk_site, "ria", "caseworker")
    before = await counts(desk_site)
    async with http:
        for method, path in forbidden:
            # A valid CSRF token: the role alone is what refuses.
            data = {"csrf_token": csrf, "name": "eve", "role": "admin", "password": PASSWORD}
            response = await request(http, desk_site, method, path, data=data)
            assert response.status == 403, (method, path, response.status)
    assert await counts(desk_site) == before


async def test_a_communicator_cannot_reach_the_caseworkers_pages(desk_site: DeskSite) -> None:
    http, csrf = await logged_in(desk_site, "cor", "communicator")
    async with http:
        for method, path in (
            ("GET", "/desk/queue"),
            ("GET", "/desk/cases/1"),
            ("POST", "/desk/tasks/1/claim"),
            ("POST", "/desk/cases/1/send"),
        ):
            response = await request(http, desk_site, method, path, data={"csrf_token": csrf})
            assert response.status == 403, (method, path)


async def test_every_post_without_its_csrf_token_is_refused(desk_site: DeskSite) -> None:
    posts = [path for method, path in desk_routes(desk_site) if method == "POST"]
    http, csrf = await logged_in(desk_site, "ada", "admin")  # every role's routes are open
    before = await counts(desk_site)
    async with http:
        for path in posts:
            for data in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf[:-1]}):
                response = await request(http, desk_site, "POST", path, data=data)
                assert response.status == 403, (path, data, response.status)
    assert await counts(desk_site) == before


async def test_pages_allow_no_scripts_frames_or_caching(desk_site: DeskSite) -> None:
    http, _ = await logged_in(desk_site, "ria", "caseworker")
    async with http, http.get(f"{desk_site.url}/desk/queue") as response:
        assert response.status == 200
        assert "script-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere (no CDN)


async def test_the_desk_is_mounted_under_desk(desk_site: DeskSite) -> None:
    assert isinstance(desk_site.app, web.Application)
    routes = desk_routes(desk_site)
    assert len(routes) > len(PUBLIC)
    assert PUBLIC | {("GET", "/desk/queue"), ("POST", "/desk/tasks/1/claim")} <= set(routes)
    assert [path for _, path in routes if not path.startswith("/desk/")] == []
    async with desk_site.client() as http:
        assert (await request(http, desk_site, "GET", "/desk/login")).status == 200
        for path in ("/login", "/queue"):  # only under /desk
            assert (await request(http, desk_site, "GET", path)).status == 404, path


async def test_an_admin_adds_users_and_reads_the_audit_trail(desk_site: DeskSite) -> None:
    http, csrf = await logged_in(desk_site, "ada", "admin")
    async with http:
        async with http.post(
            f"{desk_site.url}/desk/admin/users",
            data={"csrf_token": csrf, "name": "ria", "role": "caseworker", "password": PASSWORD},
        ) as response:
            assert response.status == 200 and ">ria<" in await response.text()
        async with http.post(
            f"{desk_site.url}/desk/admin/users",
            data={"csrf_token": csrf, "name": "ria", "role": "caseworker", "password": PASSWORD},
        ) as response:
            assert response.status == 400 and "exists already" in await response.text()
        async with http.get(f"{desk_site.url}/desk/admin/audit") as response:
            trail = await response.text()
    assert "user.add" in trail and "login" in trail
    async with desk_site.client() as other:
        await desk_site.login(other, "ria", PASSWORD)  # the new user can log in
