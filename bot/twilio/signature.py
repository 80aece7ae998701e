"""Is this request really from Twilio, for this URL? The official `RequestValidator`.

The URL signed is the one Twilio was told to call: `PUBLIC_BASE_URL` + the path and query as
received. It is never rebuilt from the request itself (behind a proxy the scheme, host or
port differ), so a signature made for another URL — a replay to another route — fails.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


class SignatureCheck:
    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.base = public_base_url.rstrip("/")

    def url_for(self, path_qs: str) -> str:
        return self.base + path_qs

    def valid(self, path_qs: str, form: Mapping[str, object], signature: str | None) -> bool:
        if not signature:
            return False
        if not all(isinstance(value, str) for value in form.values()):
            # A file upload (multipart) is nothing Twilio signs; the validator would raise
            # on it (a 500 for anyone who posts one). A multidict's values() has them all.
            return False
        return bool(self.validator.validate(self.url_for(path_qs), form, signature))
