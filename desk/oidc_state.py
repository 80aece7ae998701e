"""A login on its way through the OpenID Connect provider: `state`, `nonce` and the PKCE
verifier, kept in a short-lived signed cookie of the browser that started it.

In the browser rather than in the database so every desk process can finish a login another
one started, and nothing is left behind by logins that were never finished. The `state` in
the provider's answer must equal the cookie's (so no other site can finish a login in this
browser); the signature and the expiry are checked before anything in the cookie is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

COOKIE = "zaadje_desk_oidc"
COOKIE_PATH = "/desk/oidc"
LIFETIME = timedelta(minutes=10)  # time enough to log in at the provider, not more


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    verifier: str  # PKCE (RFC 7636): only its S256 challenge goes to the provider

    @property
    def challenge(self) -> str:
        return str(create_s256_code_challenge(self.verifier))


def start() -> PendingLogin:
    return PendingLogin(
        state=generate_token(32), nonce=generate_token(32), verifier=generate_token(64)
    )


def _signing_key(secret: str) -> bytes:
    # A key of its own, so this signature can never be replayed as another of the desk's.
    return hmac.new(secret.encode(), b"zaadje desk oidc login", hashlib.sha256).digest()


def seal(pending: PendingLogin, secret: str, now: datetime) -> str:
    payload = json.dumps(
        {
            "s": pending.state,
            "n": pending.nonce,
            "v": pending.verifier,
            "e": int((now + LIFETIME).timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    signature = hmac.new(_signing_key(secret), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{signature}"


def unseal(value: str, secret: str, now: datetime) -> PendingLogin | None:
    """The login the cookie holds, or None when it is forged, damaged or too old."""
    body, _, signature = value.partition(".")
    expected = hmac.new(_signing_key(secret), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.encode(errors="replace"), expected.encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        pending = PendingLogin(state=data["s"], nonce=data["n"], verifier=data["v"])
        expires = int(data["e"])
    except (ValueError, KeyError, TypeError):
        return None
    return pending if now.timestamp() < expires else None
