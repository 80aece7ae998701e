"""A fake Telegram Bot API on 127.0.0.1: `POST /bot{token}/{method}` (multipart or form, as
aiogram sends it), every request recorded; failures can be scripted.

    async with FakeTelegram() as fake:
        bot = make_bot(TOKEN, fake.url)
        fake.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        fake.block(chat_id)                      # 403 "bot was blocked by the user"
        gate = fake.hold(chat_id)                # no answer to this chat until gate.set()
        fake.updates.append({...})               # served by getUpdates
        fake.requests                            # [Request(method, fields)]
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

TOKEN = "123456789:TEST-token_for-the-fake"
BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class Request:
    method: str
    fields: dict[str, str]

    def json_field(self, name: str) -> Any:
        return json.loads(self.fields[name])


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeTelegram:
    token: str = TOKEN
    requests: list[Request] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None
    _message_id: int = 0

    # -- scripting ------------------------------------------------------------------------
    def fail(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """The next call of `method` fails like this (queued: one failure per call)."""
        self.failures.setdefault(method, []).append(Failure(status, description, retry_after))

    def block(self, chat_id: int | str) -> None:
        """Every message to this chat is refused: the resident blocked the bot."""
        self.blocked.add(str(chat_id))

    def hold(self, chat_id: int | str) -> asyncio.Event:
        """Messages to this chat hang (a Bot API that does not answer) until the event is set;
        set it before the fake closes."""
        gate = self.held[str(chat_id)] = asyncio.Event()
        return gate

    def sent(self, method: str = "sendMessage") -> list[Request]:
        return [r for r in self.requests if r.method == method]

    def texts(self) -> list[tuple[str, str]]:
        """(chat_id, text) of every sendMessage, in order."""
        return [(r.fields["chat_id"], r.fields["text"]) for r in self.sent()]

    # -- the server -----------------------------------------------------------------------
    async def __aenter__(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        form = await request.post()
        fields = {k: str(v) for k, v in form.items()}
        self.requests.append(Request(method, fields))
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            return _error(failure.status, failure.description, failure.retry_after)
        if method == "sendMessage":
            gate = self.held.get(fields.get("chat_id", ""))
            if gate is not None:
                await gate.wait()
            if fields.get("chat_id") in self.blocked:
                return _error(403, BLOCKED)
            return _ok(self._message(fields))
        if method == "getUpdates":
            offset = int(fields.get("offset") or 0)
            batch = [u for u in self.updates if u["update_id"] >= offset]
            return _ok(batch)
        if method == "getMe":
            return _ok(
                {"id": 123456789, "is_bot": True, "first_name": "Zaadje", "username": "ZaadjeBot"}
            )
        # answerCallbackQuery, setWebhook, deleteWebhook, …
        return _ok(True)

    def _message(self, fields: dict[str, str]) -> dict[str, Any]:
        self._message_id += 1
        chat_id = int(fields["chat_id"])
        return {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": fields.get("text", ""),
        }


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
