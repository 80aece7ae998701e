"""The desk with single sign-on against a real OpenID Connect provider on 127.0.0.1.

`sso_site(...)` starts, for one test: the tests' proxy (tests/oidc/proxy.py), panva's
oidc-provider behind it (tests/oidc/provider.mjs, installed by `make test` with npm), and a
desk whose `[oidc]` points at the proxy. The provider knows the people in PEOPLE; its login
screen takes any password. `log_in(http, site, "ria")` walks an HTTP client through it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import aiohttp
import pytest
from aiohttp import web
from joserfc.jwk import KeySet, RSAKey

from app.settings import Settings
from app.web_desk import DESK_APP
from desk.access import DESK_SERVICES
from tests.desk.conftest import DeskSite, SettableClock
from tests.oidc.proxy import Proxy
from tests.serving import serving

HERE = Path(__file__).parent
CLIENT_ID = "zaadje-desk"
CLIENT_SECRET = "a-test-only-client-secret"
GROUPS = {
    "zaadje-klantmanagers": "caseworker",
    "zaadje-beheer": "admin",
    "zaadje-team": "coordinator",
}
# sub → claims. Names are fictional.
PEOPLE: dict[str, dict[str, Any]] = {
    "ria": {
        "preferred_username": "ria.jansen",
        "name": "Ria Jansen",
        "groups": ["zaadje-klantmanagers"],
    },
    "bas": {
        "preferred_username": "bas",
        "name": "Bas Visser",
        "groups": ["zaadje-team", "zaadje-beheer"],
    },
    "joop": {"preferred_username": "joop", "name": "Joop de Wit", "groups": ["facilitair"]},
}


@dataclass
class SsoSite:
    desk: DeskSite
    proxy: Proxy
    issuer: str  # the address the desk knows the provider by (the proxy's)
    private_keys: KeySet  # the provider's signing keys


def _node_modules() -> Path:
    modules = HERE / "node_modules" / "oidc-provider"
    node = shutil.which("node")
    if modules.exists() and node:
        return modules
    message = "oidc-provider is not installed: run `make test` (npm ci in tests/oidc)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def _signing_keys() -> KeySet:
    """The provider's signing keys, made once per test process (an RSA key takes a while)."""
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    return KeySet([key])


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def sso_site(
    db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch, local_login: bool = True
) -> AsyncIterator[SsoSite]:
    _node_modules()
    # The desk's socket first: its address is the redirect URI the provider must know.
    desk_socket = _free_socket()
    desk_url = f"http://127.0.0.1:{desk_socket.getsockname()[1]}"
    proxy = Proxy()
    proxy_runner = web.AppRunner(proxy.app())
    await proxy_runner.setup()
    await web.TCPSite(proxy_runner, "127.0.0.1", 0).start()
    issuer = f"http://127.0.0.1:{proxy_runner.addresses[0][1]}"
    keys = _signing_keys()
    node = await asyncio.create_subprocess_exec(
        "node",
        str(HERE / "provider.mjs"),
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        env={
            "PATH": os.environ.get("PATH", ""),
            "ISSUER": issuer,
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": desk_url + "/desk/oidc/callback",
            "POST_LOGOUT_URI": desk_url + "/desk/login",
            "JWKS": json.dumps(keys.as_dict(private=True)),
            "ACCOUNTS": json.dumps(PEOPLE),
        },
    )
    try:
        assert node.stdout is not None
        first = await asyncio.wait_for(node.stdout.readline(), timeout=30)
        proxy.target = f"http://127.0.0.1:{json.loads(first)['port']}"
        config = folder / "zaadje.toml"
        config.write_text(
            "[desk]\n"
            f"local_login = {'true' if local_login else 'false'}\n"
            "[oidc]\n"
            "enabled = true\n"
            f'issuer = "{issuer}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            'scopes = ["openid", "profile", "groups"]\n'
            'label = "Voorbeeld-account"\n'
            "[oidc.roles]\n" + "".join(f'"{g}" = "{r}"\n' for g, r in GROUPS.items()),
            encoding="utf-8",
        )
        monkeypatch.setenv("ZAADJE_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        settings = Settings(
            database_url=db_url,
            secret_key_value="test-secret-key",
            config_path=str(config),
            public_base_url=desk_url,
        )
        async with serving(settings, desk_socket) as served:
            desk = served.app[DESK_APP][DESK_SERVICES]
            clock = SettableClock()
            desk.clock = clock
            site = DeskSite(
                desk_url, db_url, served.engine, served.services, desk, clock, served.app[DESK_APP]
            )
            yield SsoSite(site, proxy, issuer, keys)
    finally:
        if node.returncode is None:
            node.terminate()
            await node.wait()
        await proxy_runner.cleanup()
        desk_socket.close()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.S)


async def to_provider_login(http: aiohttp.ClientSession, site: SsoSite) -> str:
    """From the desk's single sign-on link to the provider's login screen; its address."""
    async with http.get(site.desk.url + "/desk/oidc/login", allow_redirects=False) as answer:
        assert answer.status == 302, await answer.text()
        target = answer.headers["Location"]
    assert target.startswith(site.issuer + "/"), "the desk sent the browser elsewhere"
    async with http.get(target) as page:
        assert page.status == 200, await page.text()
        return str(page.url)


async def callback_url(http: aiohttp.ClientSession, site: SsoSite, person: str) -> str:
    """Log `person` in at the provider; the address it sends the browser back to (the desk's
    callback with `code` and `state`), not yet visited."""
    login_page = await to_provider_login(http, site)
    async with http.get(login_page) as page:
        action = _FORM.search(await page.text())
    assert action, "no login form at the provider"
    submit = urljoin(login_page, unescape(action.group(1)))
    async with http.post(
        submit, data={"prompt": "login", "login": person, "password": "any"}, allow_redirects=False
    ) as answer:
        location = urljoin(submit, answer.headers["Location"])
    # The provider's own redirects, up to the one that leaves for the desk.
    while not location.startswith(site.desk.url):
        async with http.get(location, allow_redirects=False) as answer:
            assert answer.status in (302, 303), await answer.text()
            location = urljoin(location, answer.headers["Location"])
    return location


def with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"state": state}
    return urlunsplit(parts._replace(query=urlencode(query)))


async def visit(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    """GET without following redirects; the answer with its body read."""
    answer = await http.get(url, allow_redirects=False)
    await answer.read()
    return answer


async def log_in(http: aiohttp.ClientSession, site: SsoSite, person: str) -> aiohttp.ClientResponse:
    """Log `person` in at the provider and bring the answer to the desk; the desk's answer."""
    return await visit(http, await callback_url(http, site, person))
