"""Talking to the OpenID Connect provider: discovery, the authorization request, the code
exchange, the ID token's checks, and where to log out.

Everything the desk trusts comes from the provider's discovery document and its JWKS, both
fetched from the configured issuer over https. The ID token's signature is checked with
joserfc (authlib's JOSE library) and its claims with authlib's `CodeIDToken`: issuer,
audience, authorized party, expiry, issued-at, nonce and the access token's hash. Neither
tokens nor claims are logged.
"""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from aiohttp import web
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from desk.oidc_config import OidcSettings
from desk.oidc_state import PendingLogin

TIMEOUT = aiohttp.ClientTimeout(total=10)
LEEWAY = 60  # seconds of clock difference between the provider and us that are forgiven
# Only signatures by the provider's private key: "none" and shared-secret (HS*) algorithms
# are never accepted, whatever the discovery document says.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class ProviderError(Exception):
    """The provider could not be reached, or answered something unusable."""


class TokenRejected(Exception):
    """The provider's answer failed a check: a forged, altered, expired or misdirected token."""


class OidcClient:
    """One provider's client for the desk. The discovery document and the keys are kept once
    read; the keys are read again when a token names a key not seen before (key rotation)."""

    def __init__(self, settings: OidcSettings, state_secret: str) -> None:
        self.settings = settings
        self.state_secret = state_secret  # signs the pending-login cookie (desk/oidc_state.py)
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = asyncio.Lock()

    async def metadata(self) -> dict[str, Any]:
        async with self._lock:
            if self._metadata is None:
                url = self.settings.issuer + "/.well-known/openid-configuration"
                document = await self._get_json(url)
                # OpenID Connect Discovery §4.3: the document must name the issuer asked for,
                # or someone else's provider could speak for ours.
                if str(document.get("issuer", "")).rstrip("/") != self.settings.issuer:
                    raise ProviderError("the discovery document names another issuer")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(document.get(key), str):
                        raise ProviderError(f"the discovery document has no {key}")
                self._metadata = document
            return self._metadata

    async def authorization_url(self, pending: PendingLogin, locale: str) -> str:
        metadata = await self.metadata()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.redirect_uri,
                "scope": " ".join(self.settings.scopes),
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": pending.challenge,
                "code_challenge_method": "S256",
                "ui_locales": locale,
            }
        )
        endpoint = str(metadata["authorization_endpoint"])
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, code: str, pending: PendingLogin) -> dict[str, Any]:
        """The token endpoint's answer for an authorization code (with the PKCE verifier)."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "code_verifier": pending.verifier,
        }
        headers = {"Accept": "application/json"}
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" in methods:
            # RFC 6749 §2.3.1: both parts form-encoded before they are joined and base64'd.
            client_id, secret = self.settings.client_id, self.settings.client_secret
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.settings.client_id
            form["client_secret"] = self.settings.client_secret
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.post(str(metadata["token_endpoint"]), data=form, headers=headers) as answer,
            ):
                body = await answer.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderError(f"token endpoint: {type(exc).__name__}") from exc
        if answer.status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            code = re.sub(r"[^A-Za-z0-9_.-]", "?", str(error or "")[:60])  # safe to log
            raise TokenRejected(f"token endpoint answered {answer.status} {code}".strip())
        if not isinstance(body.get("id_token"), str):
            raise TokenRejected("the token endpoint gave no ID token")
        return body

    async def verify(
        self, tokens: dict[str, Any], pending: PendingLogin, now: datetime
    ) -> dict[str, Any]:
        """The ID token's claims, once its signature and every claim check passed."""
        metadata = await self.metadata()
        algorithms = [
            a
            for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
            if a in ASYMMETRIC
        ]
        try:
            try:
                token = jwt.decode(tokens["id_token"], await self._key_set(), algorithms)
            except InvalidKeyIdError:
                token = jwt.decode(tokens["id_token"], await self._key_set(fresh=True), algorithms)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.settings.client_id},
                    "sub": {"essential": True},
                },
                {
                    "nonce": pending.nonce,
                    "client_id": self.settings.client_id,
                    "access_token": tokens.get("access_token"),
                },
            )
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY)
        except JoseError as exc:
            # The error's name and claim only ("expired_token", "invalid_claim: nonce").
            raise TokenRejected(f"ID token: {exc.error} {exc.description or ''}".strip()) from exc
        except ValueError as exc:  # not a JWT at all
            raise TokenRejected(f"ID token: {type(exc).__name__}") from exc
        return dict(claims)

    async def end_session_url(self) -> str | None:
        """Where to send someone to log out at the provider too (RP-Initiated Logout), or None
        when the provider has no end-session endpoint."""
        try:
            metadata = await self.metadata()
        except ProviderError:
            return None  # the desk session is ended all the same
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = urlencode(
            {
                "client_id": self.settings.client_id,
                "post_logout_redirect_uri": self.settings.post_logout_uri,
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def form_targets(self) -> list[str]:
        """Origins the desk's forms may lead to besides its own: logging out is a form whose
        answer redirects to the provider's end-session endpoint, and a Content-Security-Policy
        `form-action 'self'` alone would stop the browser there."""
        origins = [self.settings.issuer_origin]
        endpoint = (self._metadata or {}).get("end_session_endpoint")
        if isinstance(endpoint, str):
            parts = urlsplit(endpoint)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
        return origins

    async def _key_set(self, fresh: bool = False) -> KeySet:
        if self._keys is None or fresh:
            metadata = await self.metadata()
            document = await self._get_json(str(metadata["jwks_uri"]))
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise ProviderError("the provider's JWKS cannot be read") from exc
        return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.get(url, headers={"Accept": "application/json"}) as answer,
            ):
                answer.raise_for_status()
                document = await answer.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderError(f"{url}: {type(exc).__name__}") from exc
        if not isinstance(document, dict):
            raise ProviderError(f"{url}: not a JSON object")
        return document


OIDC_CLIENT: web.AppKey[OidcClient] = web.AppKey("desk_oidc_client", OidcClient)
