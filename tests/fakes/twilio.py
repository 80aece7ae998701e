"""A local fake of Twilio's REST API for the Messages resource, on 127.0.0.1.

It speaks what the official `twilio` client sends and expects: `POST
/2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded, Basic auth) answered with 201
and a message resource, or with Twilio's error JSON (`code`, `message`, `more_info`,
`status`). It records every request exactly as received, and its answers can be scripted:
- `fail_next(n, status, code, retry_after)`: the next n hand-overs fail that way
  (an outage: 503; a rate limit: 429 with Retry-After);
- `hang_next(n, seconds)`: the next n hand-overs answer only after `seconds` (timeouts);
- `refuse(number, code, status)`: every hand-over to that number is refused (21211, 21610…).
Wrong credentials get Twilio's real answer: 401 with code 20003.

WhatsApp goes through the same resource with `whatsapp:`-prefixed `To`/`From`, and either
`Body` (free text) or `ContentSid` + `ContentVariables` (a template, rendered from the
content created here: its body with the variables filled in). Scripted like WhatsApp:
- `not_on_whatsapp(number)`: a hand-over to that number is refused at once with 63003;
- `window_closed(number)`: free text to that number is refused with 63016 (templates pass);
- an unknown `ContentSid` is refused with 63027.
The Content API (`/v1/Content`, JSON): create, fetch, and the WhatsApp approval request and
its status; `approve(sid)` / `reject(sid, reason)` play WhatsApp's reviewers.
`GET …/Messages.json` lists the messages it accepted, newest first, filtered by `To`, `From`
and `DateSent>` (on or after that day, as Twilio reads it), in Twilio's page format; a
message's `date_sent` is the moment the fake accepted it.

It runs as an async context manager (`async with FakeTwilio(sid, token) as fake:`), closed
also when the test fails; `close()` may be called earlier (a Twilio that is gone).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    at: float  # time.monotonic() when it arrived


@dataclass(frozen=True)
class Answer:
    status: int = 201
    code: int | None = None
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)  # messages it accepted
    script: list[Answer] = field(default_factory=list)
    refused: dict[str, Answer] = field(default_factory=dict)
    no_whatsapp: set[str] = field(default_factory=set)
    closed_windows: set[str] = field(default_factory=set)
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)  # Content API, by SID
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilio:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def fail_next(
        self, n: int, status: int = 503, code: int | None = None, retry_after: str | None = None
    ) -> None:
        self.script.extend(Answer(status, code, retry_after) for _ in range(n))

    def hang_next(self, n: int, seconds: float) -> None:
        self.script.extend(Answer(delay=seconds) for _ in range(n))

    def refuse(self, number: str, code: int, status: int = 400) -> None:
        self.refused[number] = Answer(status, code)

    def not_on_whatsapp(self, number: str) -> None:
        self.no_whatsapp.add(number)

    def window_closed(self, number: str) -> None:
        self.closed_windows.add(number)

    def approve(self, sid: str) -> None:
        self.approvals[sid]["status"] = "approved"

    def reject(self, sid: str, reason: str) -> None:
        self.approvals[sid].update(status="rejected", rejection_reason=reason)

    def create_content(self, body: str, language: str = "nl", approved: bool = True) -> str:
        """A template as if created (and approved) earlier: its Content SID."""
        sid = "HX" + uuid.uuid4().hex
        self.contents[sid] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "friendly_name": f"test_{len(self.contents)}",
            "language": language,
            "variables": {},
            "types": {"twilio/text": {"body": body}},
        }
        self.approvals[sid] = {"status": "approved" if approved else "received"}
        return sid

    @property
    def messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.created if m["to"] == number]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        auth = _basic_auth(request.headers.get("Authorization"))
        self.requests.append(Recorded(request.method, request.path, form, auth, time.monotonic()))
        if auth != (self.account_sid, self.auth_token):
            return _error(401, 20003, "Authenticate")
        if request.path.startswith("/v1/Content"):
            return await self._content(request)
        if request.method == "GET" and request.path == self.messages_path:
            return self._list(request)
        if request.method != "POST" or request.path != self.messages_path:
            return _error(404, 20404, "The requested resource was not found")
        answer = self.script.pop(0) if self.script else Answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.status == 201 and form.get("To") in self.refused:
            answer = self.refused[form["To"]]
        body = form.get("Body")
        to = form.get("To") or ""
        if answer.status == 201 and to.startswith("whatsapp:"):
            number = to.removeprefix("whatsapp:")
            rendered = self._whatsapp(number, form)
            if isinstance(rendered, Answer):
                answer = rendered
            else:
                body = rendered
        if answer.status != 201:
            headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
            return _error(answer.status, answer.code, "scripted failure", headers)
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": body,
            "content_sid": form.get("ContentSid"),
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
            "date_created": "Mon, 02 Nov 2026 09:00:00 +0000",
            "date_updated": "Mon, 02 Nov 2026 09:00:00 +0000",
            "date_sent": format_datetime(datetime.now(UTC), usegmt=True),
            "uri": f"{self.messages_path[:-5]}/SM.json",
        }
        self.created.append(message)
        return web.json_response(message, status=201)

    def _whatsapp(self, number: str, form: dict[str, str]) -> str | Answer:
        """The body a WhatsApp hand-over delivers, or WhatsApp's refusal."""
        if number in self.no_whatsapp:
            return Answer(400, 63003)
        sid = form.get("ContentSid")
        if not sid:
            return Answer(400, 63016) if number in self.closed_windows else form.get("Body", "")
        content = self.contents.get(sid)
        if content is None or self.approvals.get(sid, {}).get("status") != "approved":
            return Answer(400, 63027)
        types = content["types"]
        body = str((types.get("twilio/quick-reply") or types["twilio/text"])["body"])
        for name, value in json.loads(form.get("ContentVariables") or "{}").items():
            body = body.replace("{{" + name + "}}", str(value))
        return body

    async def _content(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")  # v1 Content [sid [ApprovalRequests [whatsapp]]]
        if request.method == "POST" and len(parts) == 2:
            data = await request.json()
            sid = "HX" + uuid.uuid4().hex
            self.contents[sid] = {"sid": sid, "account_sid": self.account_sid, **data}
            self.approvals[sid] = {"status": "unsubmitted"}
            return web.json_response(self.contents[sid], status=201)
        sid = parts[2] if len(parts) > 2 else ""
        if sid not in self.contents:
            return _error(404, 20404, "The requested resource was not found")
        if len(parts) == 3 and request.method == "GET":
            return web.json_response(self.contents[sid])
        if parts[3:] == ["ApprovalRequests", "whatsapp"] and request.method == "POST":
            data = await request.json()
            self.approvals[sid] = {
                "name": data.get("name"),
                "category": data.get("category"),
                "status": "received",
                "rejection_reason": "",
                "content_type": "twilio/text",
            }
            return web.json_response(self.approvals[sid], status=201)
        if parts[3:] == ["ApprovalRequests"] and request.method == "GET":
            whatsapp = {"type": "whatsapp", **self.approvals[sid]}
            return web.json_response(
                {"sid": sid, "account_sid": self.account_sid, "whatsapp": whatsapp}
            )
        return _error(404, 20404, "The requested resource was not found")

    def _list(self, request: web.Request) -> web.Response:
        query = request.query
        found = list(reversed(self.created))  # Twilio lists the newest first
        if "To" in query:
            found = [m for m in found if m["to"] == query["To"]]
        if "From" in query:
            found = [m for m in found if m["from"] == query["From"]]
        if "DateSent>" in query:
            day = query["DateSent>"][:10]  # a date; the client sends a full timestamp
            found = [
                m for m in found if parsedate_to_datetime(m["date_sent"]).date().isoformat() >= day
            ]
        size = int(query.get("PageSize", "50"))
        return web.json_response(
            {
                "messages": found[:size],
                "end": min(size, len(found)) - 1,
                "first_page_uri": request.path_qs,
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": request.path_qs,
            }
        )


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _error(
    status: int, code: int | None, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.Response(
        text=json.dumps(body), status=status, content_type="application/json", headers=headers
    )
