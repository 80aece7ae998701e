"""Single sign-on to the desk against a real OpenID Connect provider (panva's oidc-provider on
127.0.0.1, tests/oidc/), over HTTP: login, roles from groups, refused tokens and states, a
person without a mapped group, logout at the provider, and local accounts switched off. On
SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from sqlalchemy import select

from store.desk_models import DeskAudit, DeskSession, DeskUser
from store.models import table_of
from tests.oidc.provider import (
    CLIENT_ID,
    SsoSite,
    callback_url,
    log_in,
    sso_site,
    visit,
    with_state,
)

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.slow  # each test starts the provider (Node.js): 2-3 s


@pytest.fixture
async def sso(
    db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SsoSite]:
    async with sso_site(db_url, workdir, monkeypatch) as site:
        yield site


async def users(site: SsoSite) -> list[Any]:
    async with site.desk.engine.connect() as conn:
        return list((await conn.execute(select(table_of(DeskUser)).order_by("id"))).all())


async def sessions(site: SsoSite) -> list[Any]:
    async with site.desk.engine.connect() as conn:
        return list((await conn.execute(select(table_of(DeskSession)))).all())


async def trail(site: SsoSite) -> list[tuple[str, str, Any]]:
    async with site.desk.engine.connect() as conn:
        rows = (await conn.execute(select(table_of(DeskAudit)).order_by("id"))).all()
    return [(a.user_name, a.action, a.detail) for a in rows]


async def test_the_first_login_makes_the_desk_user_and_lands_on_the_roles_home(
    sso: SsoSite,
) -> None:
    async with sso.desk.client() as http:
        answer = await log_in(http, sso, "ria")
        assert answer.status == 200
        assert 'http-equiv="refresh" content="0;url=/desk/queue"' in await answer.text()
        cookie = answer.cookies["zaadje_desk"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with http.get(f"{sso.desk.url}/desk/") as page:
            assert page.url.path == "/desk/queue"
            assert "ria.jansen" in await page.text()
    (user,) = await users(sso)
    assert (user.name, user.role, user.password_hash) == ("ria.jansen", "caseworker", None)
    assert (user.oidc_issuer, user.oidc_subject) == (sso.issuer, "ria")
    assert await trail(sso) == [
        ("ria.jansen", "user.add", {"user": "ria.jansen", "role": "caseworker", "via": "oidc"}),
        ("ria.jansen", "login", {"via": "oidc"}),
    ]
    # A second login finds the same user again.
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200
    assert len(await users(sso)) == 1


async def test_the_most_powerful_mapped_group_gives_the_role_and_follows_the_provider(
    sso: SsoSite,
) -> None:
    async with sso.desk.client() as http:
        answer = await log_in(http, sso, "bas")  # in zaadje-team and zaadje-beheer
        assert answer.status == 200
        async with http.get(f"{sso.desk.url}/desk/admin/users") as page:
            assert page.status == 200  # admin, not coordinator
    (user,) = await users(sso)
    assert user.role == "admin"
    # An admin had made Bas a caseworker meanwhile: the provider's groups win at the next login.
    async with sso.desk.engine.begin() as conn:
        await conn.execute(table_of(DeskUser).update().values(role="caseworker"))
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "bas")).status == 200
    (user,) = await users(sso)
    assert user.role == "admin"
    assert (
        "bas",
        "user.role",
        {"user": "bas", "from": "caseworker", "to": "admin", "via": "oidc"},
    ) in await trail(sso)


async def test_someone_in_no_mapped_group_is_refused_with_a_page_in_their_language(
    sso: SsoSite,
) -> None:
    async with sso.desk.client(headers={"Accept-Language": "nl-NL,nl;q=0.9"}) as http:
        answer = await log_in(http, sso, "joop")
        page = await answer.text()
    assert answer.status == 403
    assert "geen toegang tot de desk" in page
    assert 'data-reason="no_role"' in page
    async with sso.desk.client(headers={"Accept-Language": "en"}) as http:
        answer = await log_in(http, sso, "joop")
        assert "no access to the desk" in await answer.text()
    assert await users(sso) == [] and await sessions(sso) == []


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _resigned(sso: SsoSite, tokens: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The provider's answer with its ID token's claims changed and signed again with the
    provider's own key (so only the claims, never the signature, are wrong)."""
    claims = _payload(tokens["id_token"]) | changes
    header = {"alg": "RS256", "kid": "test-key"}
    return tokens | {"id_token": jwt.encode(header, claims, sso.private_keys)}


async def test_an_id_token_altered_on_its_way_is_refused(
    sso: SsoSite, caplog: pytest.LogCaptureFixture
) -> None:
    def promote(tokens: dict[str, Any]) -> dict[str, Any]:
        header, _, signature = tokens["id_token"].split(".")
        claims = _payload(tokens["id_token"]) | {"groups": ["zaadje-beheer"]}
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return tokens | {"id_token": f"{header}.{body}.{signature}"}

    sso.proxy.rewrite_token = promote
    with caplog.at_level(logging.WARNING, logger="desk.oidc_routes"):
        async with sso.desk.client() as http:
            answer = await log_in(http, sso, "ria")
            page = await answer.text()
    assert sso.proxy.token_requests == 1
    assert answer.status == 401 and 'data-reason="token"' in page
    assert "zaadje_desk" not in answer.cookies
    assert await users(sso) == [] and await sessions(sso) == []
    assert "bad_signature" in caplog.text
    # Neither the token nor who it was for is in the log.
    assert "ria.jansen" not in caplog.text and "Ria Jansen" not in caplog.text
    assert "eyJ" not in caplog.text


async def test_an_expired_id_token_signed_by_the_provider_is_refused(
    sso: SsoSite, caplog: pytest.LogCaptureFixture
) -> None:
    def expire(tokens: dict[str, Any]) -> dict[str, Any]:
        hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
        return _resigned(sso, tokens, iat=hour_ago - 600, exp=hour_ago)

    sso.proxy.rewrite_token = expire
    with caplog.at_level(logging.WARNING, logger="desk.oidc_routes"):
        async with sso.desk.client() as http:
            answer = await log_in(http, sso, "ria")
            page = await answer.text()
    assert answer.status == 401 and 'data-reason="token"' in page
    assert "expired_token" in caplog.text and "eyJ" not in caplog.text
    assert await sessions(sso) == []


@pytest.mark.parametrize(
    ("claim", "value", "logged"),
    [
        ("aud", "another-application", "invalid_claim"),
        ("nonce", "an-old-login", "invalid_claim"),
        ("iss", "https://another-provider.example", "invalid_claim"),
    ],
)
async def test_a_token_signed_by_the_provider_for_another_login_is_refused(
    sso: SsoSite, caplog: pytest.LogCaptureFixture, claim: str, value: str, logged: str
) -> None:
    def redirect(tokens: dict[str, Any]) -> dict[str, Any]:
        return _resigned(sso, tokens, **{claim: value})

    sso.proxy.rewrite_token = redirect
    with caplog.at_level(logging.WARNING, logger="desk.oidc_routes"):
        async with sso.desk.client() as http:
            answer = await log_in(http, sso, "ria")
    assert answer.status == 401
    assert f"{logged}" in caplog.text and claim in caplog.text
    assert await sessions(sso) == []


async def test_a_fresh_token_signed_the_same_way_is_accepted(sso: SsoSite) -> None:
    # The check above is about the expiry, not about the proxy's signing: the same rewrite
    # with a valid lifetime logs in.
    sso.proxy.rewrite_token = lambda tokens: _resigned(sso, tokens)
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200


async def test_an_answer_with_another_state_is_refused(sso: SsoSite) -> None:
    async with sso.desk.client() as http:
        url = await callback_url(http, sso, "ria")
        answer = await visit(http, with_state(url, "someone-elses-state"))
        page = await answer.text()
    assert answer.status == 400 and 'data-reason="state"' in page
    assert sso.proxy.token_requests == 0  # the code was never even exchanged
    assert await sessions(sso) == []


async def test_an_answer_brought_to_another_browser_or_twice_is_refused(sso: SsoSite) -> None:
    async with sso.desk.client() as http:
        url = await callback_url(http, sso, "ria")
        async with sso.desk.client() as other:  # did not start this login: no login cookie
            assert (await visit(other, url)).status == 400
        assert (await visit(http, url)).status == 200
        again = await visit(http, url)  # the login cookie is spent
        assert again.status in (302, 400)
    assert len(await sessions(sso)) == 1


async def test_logout_ends_the_session_and_goes_to_the_providers_end_session(
    sso: SsoSite,
) -> None:
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200
        csrf = await sso.desk.csrf(http)
        async with http.post(
            f"{sso.desk.url}/desk/logout", data={"csrf_token": csrf}, allow_redirects=False
        ) as answer:
            assert answer.status == 302
            target = urlsplit(answer.headers["Location"])
            policy = answer.headers["Content-Security-Policy"]
        assert f"{target.scheme}://{target.netloc}" == sso.issuer
        query = parse_qs(target.query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["post_logout_redirect_uri"] == [f"{sso.desk.url}/desk/login"]
        # The browser may follow that redirect from the logout form.
        assert f"form-action 'self' {sso.issuer}" in policy
        async with http.get(answer.headers["Location"]) as provider:
            assert provider.status == 200  # the provider asks to confirm
            assert "sign-out" in (await provider.text()).lower()
        async with http.get(f"{sso.desk.url}/desk/queue", allow_redirects=False) as page:
            assert page.headers["Location"] == "/desk/login"
    assert await sessions(sso) == []
    assert [a[1] for a in await trail(sso)][-1] == "logout"


async def test_a_local_account_logs_out_without_the_provider(sso: SsoSite) -> None:
    await sso.desk.add_user("ria", "caseworker", PASSWORD)
    async with sso.desk.client() as http:
        csrf = await sso.desk.login(http, "ria", PASSWORD)
        async with http.post(
            f"{sso.desk.url}/desk/logout", data={"csrf_token": csrf}, allow_redirects=False
        ) as answer:
            assert answer.headers["Location"] == "/desk/login"


async def test_a_local_account_with_the_same_name_is_not_taken_over(sso: SsoSite) -> None:
    await sso.desk.add_user("ria.jansen", "admin", PASSWORD)
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200
        async with http.get(f"{sso.desk.url}/desk/account") as page:
            assert "ria.jansen-2" in await page.text()
    local, made = await users(sso)
    assert (local.role, local.oidc_subject) == ("admin", None)
    assert (made.name, made.role, made.oidc_subject) == ("ria.jansen-2", "caseworker", "ria")


async def test_a_user_made_by_single_sign_on_cannot_log_in_with_a_password(
    sso: SsoSite,
) -> None:
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200
    async with sso.desk.client() as http:
        async with http.get(f"{sso.desk.url}/desk/login") as page:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
        assert token
        async with http.post(
            f"{sso.desk.url}/desk/login",
            data={"name": "ria.jansen", "password": "", "csrf_token": token.group(1)},
            allow_redirects=False,
        ) as answer:
            assert answer.status == 401


async def test_with_local_login_off_the_password_form_is_gone_and_refused(
    db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sso_site(db_url, workdir, monkeypatch, local_login=False) as sso:
        await sso.desk.add_user("ria", "caseworker", PASSWORD)
        async with sso.desk.client() as http:
            async with http.get(f"{sso.desk.url}/desk/login") as page:
                html = await page.text()
            assert 'type="password"' not in html and 'action="/desk/login"' not in html
            assert 'href="/desk/oidc/login"' in html and "Voorbeeld-account" in html
            token = re.search(r'name="csrf_token" value="([^"]+)"', html)
            async with http.post(
                f"{sso.desk.url}/desk/login",
                data={
                    "name": "ria",
                    "password": PASSWORD,
                    "csrf_token": token.group(1) if token else "",
                },
                allow_redirects=False,
            ) as answer:
                assert answer.status == 403
            assert (await log_in(http, sso, "ria")).status == 200
        assert len(await sessions(sso)) == 1


async def test_a_user_an_admin_switched_off_stays_out(sso: SsoSite) -> None:
    async with sso.desk.client() as http:
        assert (await log_in(http, sso, "ria")).status == 200
    async with sso.desk.engine.begin() as conn:
        await conn.execute(table_of(DeskUser).update().values(active=False))
    async with sso.desk.client() as http:
        answer = await log_in(http, sso, "ria")
        assert answer.status == 403 and 'data-reason="inactive"' in await answer.text()
        assert "zaadje_desk" not in answer.cookies
    assert len(await sessions(sso)) == 1  # the first login's, no new one
