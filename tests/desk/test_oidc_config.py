"""`[desk]` and `[oidc]`: off by default, every mistake one line that names the key, the
client secret only from the environment; and which desk role a person's groups give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.config import load_config
from app.errors import UserError
from app.services import Services
from app.settings import Settings
from app.web import build_app
from app.wiring import context_for
from desk.oidc_config import LoginConfigError, OidcSettings, load_login_config
from desk.oidc_users import role_for
from store.engine import make_engine

ENV = {"ZAADJE_OIDC_CLIENT_SECRET": "s3cret"}
BASE = "https://zaadje.example.nl"
GOOD: dict[str, Any] = {
    "enabled": True,
    "issuer": "https://login.microsoftonline.com/tenant/v2.0/",
    "client_id": "desk",
    "roles": {"zaadje-klantmanagers": "caseworker", "zaadje-beheer": "admin"},
}


def config_with(oidc: dict[str, Any], desk: dict[str, Any] | None = None) -> dict[str, Any]:
    defaults = load_config(None)
    return {**defaults, "oidc": {**defaults["oidc"], **oidc}, "desk": desk or defaults["desk"]}


def test_single_sign_on_is_off_and_local_accounts_on_by_default() -> None:
    login = load_login_config(load_config(None), {}, BASE)
    assert login.local_login and login.oidc is None


def test_a_good_section_gives_the_redirect_uri_to_register() -> None:
    login = load_login_config(config_with(GOOD), ENV, BASE + "/")
    assert login.oidc is not None
    assert login.oidc.issuer == "https://login.microsoftonline.com/tenant/v2.0"
    assert login.oidc.redirect_uri == "https://zaadje.example.nl/desk/oidc/callback"
    assert login.oidc.post_logout_uri == "https://zaadje.example.nl/desk/login"
    assert login.oidc.role_claim == "groups" and login.oidc.client_secret == "s3cret"
    assert "s3cret" not in repr(login)  # never printed with the settings


@pytest.mark.parametrize(
    ("oidc", "desk", "env", "message"),
    [
        ({}, {"local_login": False}, ENV, "[desk] local_login = false needs [oidc] enabled"),
        ({}, {"local_login": "no"}, ENV, "[desk] local_login: true or false"),
        ({**GOOD, "secret": "x"}, None, ENV, "[oidc]: unknown key(s): secret"),
        (GOOD, None, {}, "set the client secret in ZAADJE_OIDC_CLIENT_SECRET"),
        ({**GOOD, "issuer": "http://login.example.nl"}, None, ENV, "[oidc] issuer: an https://"),
        ({**GOOD, "client_id": ""}, None, ENV, "[oidc] client_id: needed"),
        ({**GOOD, "roles": {}}, None, ENV, "[oidc.roles]: map at least one group"),
        ({**GOOD, "roles": {"g": "boss"}}, None, ENV, "[oidc.roles] 'g': unknown role 'boss'"),
        ({**GOOD, "scopes": ["profile"]}, None, ENV, "[oidc] scopes: must include 'openid'"),
        ({**GOOD, "enabled": "yes"}, None, ENV, "[oidc] enabled: true or false"),
    ],
)
def test_each_mistake_is_one_line_naming_it(
    oidc: dict[str, Any], desk: dict[str, Any] | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(LoginConfigError) as refused:
        load_login_config(config_with(oidc, desk), env, BASE)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_a_provider_on_this_machine_may_use_plain_http() -> None:
    login = load_login_config(config_with({**GOOD, "issuer": "http://127.0.0.1:9000"}), ENV, BASE)
    assert login.oidc is not None


async def test_the_desk_refuses_to_start_with_a_wrong_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZAADJE_OIDC_CLIENT_SECRET", raising=False)
    config = tmp_path / "zaadje.toml"
    config.write_text(
        '[oidc]\nenabled = true\nissuer = "https://id.example.nl"\nclient_id = "desk"\n'
        '[oidc.roles]\n"team" = "caseworker"\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'z.db'}"
    settings = Settings(database_url=url, config_path=str(config), secret_key_value="k")
    engine = make_engine(url)
    try:
        with pytest.raises(UserError, match="ZAADJE_OIDC_CLIENT_SECRET"):
            build_app(Services(settings, engine, context_for(settings, engine)))
    finally:
        await engine.dispose()


def _settings(role_claim: str = "groups") -> OidcSettings:
    login = load_login_config(config_with({**GOOD, "role_claim": role_claim}), ENV, BASE)
    assert login.oidc is not None
    return login.oidc


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"groups": ["zaadje-klantmanagers"]}, "caseworker"),
        ({"groups": ["zaadje-klantmanagers", "zaadje-beheer"]}, "admin"),  # the most powerful
        ({"groups": ["facilitair"]}, None),
        ({"groups": []}, None),
        ({}, None),
        ({"groups": "zaadje-beheer"}, "admin"),  # a single value as a string
        ({"groups": [{"name": "zaadje-beheer"}]}, None),  # not a name: ignored
        ({"roles": ["zaadje-beheer"]}, None),  # another claim than the configured one
    ],
)
def test_the_role_comes_from_the_mapped_groups(claims: dict[str, Any], role: str | None) -> None:
    assert role_for(claims, _settings()) == role


def test_the_role_claim_is_configurable() -> None:
    assert role_for({"roles": ["zaadje-beheer"]}, _settings("roles")) == "admin"
