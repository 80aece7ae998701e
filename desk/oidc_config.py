"""How people log in to the desk: `[desk]` and `[oidc]` of the configuration, checked.

Single sign-on (OpenID Connect) is off by default; local accounts with a password stay for
small installs and can be switched off once single sign-on works. The client secret comes
from the environment (`ZAADJE_OIDC_CLIENT_SECRET`), never from the TOML file, which is often
kept in version control.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from desk.roles import ROLES

SECRET_VARIABLE = "ZAADJE_OIDC_CLIENT_SECRET"
CALLBACK_PATH = "/desk/oidc/callback"
LOGGED_OUT_PATH = "/desk/login"  # where the provider sends people back after logging out
# When someone is in groups of several roles, the most powerful one counts.
ROLE_ORDER = ("admin", "coordinator", "communicator", "caseworker")
_OIDC_KEYS = frozenset(
    {"enabled", "issuer", "client_id", "scopes", "role_claim", "name_claim", "label", "roles"}
)
_DESK_KEYS = frozenset({"local_login"})


class LoginConfigError(ValueError):
    """A wrong `[desk]` or `[oidc]` setting; its message is one line naming it."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str  # PUBLIC_BASE_URL + CALLBACK_PATH: register it at the provider
    post_logout_uri: str  # PUBLIC_BASE_URL + LOGGED_OUT_PATH
    roles: Mapping[str, str]  # a value of the role claim → a desk role
    role_claim: str = "groups"
    name_claim: str = "preferred_username"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    label: str = ""  # the provider's name on the login button ("" = a generic text)

    @property
    def issuer_origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class LoginConfig:
    local_login: bool = True
    oidc: OidcSettings | None = None


LOGIN_CONFIG: web.AppKey[LoginConfig] = web.AppKey("desk_login_config", LoginConfig)


def login_config_of(app: web.Application) -> LoginConfig:
    """The desk's login configuration; a desk built without one has local accounts only."""
    return app.get(LOGIN_CONFIG) or LoginConfig()


def load_login_config(
    config: Mapping[str, Any], environ: Mapping[str, str], public_base_url: str
) -> LoginConfig:
    """`[desk]` and `[oidc]` checked; a LoginConfigError names the first thing wrong."""
    desk = config.get("desk", {})
    _no_unknown("desk", desk, _DESK_KEYS)
    local_login = desk.get("local_login", True)
    if not isinstance(local_login, bool):
        raise LoginConfigError("config [desk] local_login: true or false")
    section = config.get("oidc", {})
    _no_unknown("oidc", section, _OIDC_KEYS)
    enabled = section.get("enabled", False)
    if not isinstance(enabled, bool):
        raise LoginConfigError("config [oidc] enabled: true or false")
    if not enabled:
        if not local_login:
            raise LoginConfigError(
                "config [desk] local_login = false needs [oidc] enabled = true: no one could log in"
            )
        return LoginConfig(local_login=True)
    return LoginConfig(local_login, _oidc(section, environ, public_base_url.rstrip("/")))


def _oidc(section: Mapping[str, Any], environ: Mapping[str, str], base: str) -> OidcSettings:
    issuer = _text(section, "issuer").rstrip("/")
    if not _usable_url(issuer):
        raise LoginConfigError(
            f"config [oidc] issuer: an https:// address (http only on this machine): {issuer!r}"
        )
    client_id = _text(section, "client_id")
    secret = environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise LoginConfigError(f"config [oidc]: set the client secret in {SECRET_VARIABLE}")
    scopes = section.get("scopes", ["openid", "profile", "email"])
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
        raise LoginConfigError("config [oidc] scopes: a list of scope names")
    if "openid" not in scopes:
        raise LoginConfigError("config [oidc] scopes: must include 'openid'")
    roles = section.get("roles", {})
    if not isinstance(roles, dict) or not roles:
        raise LoginConfigError(
            'config [oidc.roles]: map at least one group to a role, e.g. "zaadje-team" = '
            '"caseworker"'
        )
    for group, role in roles.items():
        if role not in ROLES:
            raise LoginConfigError(
                f"config [oidc.roles] {group!r}: unknown role {role!r}; one of {', '.join(ROLES)}"
            )
    label = section.get("label", "")
    if not isinstance(label, str):
        raise LoginConfigError("config [oidc] label: not a string")
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        redirect_uri=base + CALLBACK_PATH,
        post_logout_uri=base + LOGGED_OUT_PATH,
        roles=dict(roles),
        role_claim=_text(section, "role_claim", "groups"),
        name_claim=_text(section, "name_claim", "preferred_username"),
        scopes=tuple(scopes),
        label=label.strip(),
    )


def _no_unknown(name: str, section: Any, known: frozenset[str]) -> None:
    if not isinstance(section, dict):
        raise LoginConfigError(f"config [{name}]: not a table")
    unknown = set(section) - known
    if unknown:
        raise LoginConfigError(f"config [{name}]: unknown key(s): {', '.join(sorted(unknown))}")


def _text(section: Mapping[str, Any], key: str, default: str = "") -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise LoginConfigError(f"config [oidc] {key}: needed when [oidc] enabled = true")
    return value.strip()


def _usable_url(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.netloc or parts.query or parts.fragment:
        return False
    # Plain http would send the code and the client secret in the clear; only a provider on
    # this machine (development, the tests) may use it.
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and local)
