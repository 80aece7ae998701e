"""The cookie that carries a login through the provider: only the desk can make one, it lasts
ten minutes, and the provider sees only the PKCE challenge, never the verifier."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from desk.oidc_state import LIFETIME, seal, start, unseal

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
KEY = "the-desk-secret-key"


def test_a_sealed_login_comes_back_until_it_is_too_old() -> None:
    pending = start()
    cookie = seal(pending, KEY, NOW)
    assert unseal(cookie, KEY, NOW + LIFETIME - timedelta(seconds=1)) == pending
    assert unseal(cookie, KEY, NOW + LIFETIME) is None


def test_a_cookie_made_or_changed_elsewhere_is_ignored() -> None:
    cookie = seal(start(), KEY, NOW)
    body, signature = cookie.split(".")
    other = seal(start(), KEY, NOW).split(".")[0]
    assert unseal(f"{other}.{signature}", KEY, NOW) is None  # another login's signature
    assert unseal(cookie, "another-key", NOW) is None
    assert unseal(body, KEY, NOW) is None
    assert unseal("", KEY, NOW) is None
    assert unseal("not.base64!", KEY, NOW) is None


def test_each_login_has_its_own_values_and_an_s256_challenge() -> None:
    one, two = start(), start()
    assert len({one.state, one.nonce, one.verifier, two.state, two.nonce, two.verifier}) == 6
    assert 43 <= len(one.verifier) <= 128  # RFC 7636 §4.1
    digest = hashlib.sha256(one.verifier.encode()).digest()
    assert one.challenge == base64.urlsafe_b64encode(digest).decode().rstrip("=")
