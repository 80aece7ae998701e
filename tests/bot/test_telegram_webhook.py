"""`POST /webhooks/telegram` as Telegram calls it: the secret-token header is checked (403 and
nothing stored otherwise), the update is stored before the 200, a duplicate changes nothing,
a handling failure is retried later, and any text — unicode, emoji, empty, 2,000 characters —
from a known or unknown chat is kept and answered, never an error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from app.services import Services
from app.web import build_app
from messages import render
from store.telegram_models import TelegramUpdate
from tests.bot.telegram_kit import CHAT, SECRET, STRANGER, Town, message, town

HEADER = "X-Telegram-Bot-Api-Secret-Token"
ASK_CODE = render("chat.ask_code", "nl", gemeente="Voorbeeld")


@asynccontextmanager
async def webhook(t: Town) -> AsyncIterator[TestClient[Any, Any]]:
    app = build_app(Services(t.settings, t.engine, t.ctx))
    async with TestClient(TestServer(app)) as client:
        yield client


async def stored(t: Town) -> list[Any]:
    async with t.engine.connect() as conn:
        return list(await conn.execute(select(TelegramUpdate).order_by(TelegramUpdate.id)))


async def post(client: TestClient[Any, Any], payload: Any, secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    body = payload if isinstance(payload, str) else json.dumps(payload)
    response = await client.post("/webhooks/telegram", data=body, headers=headers)
    return response.status


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_kept(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t, webhook(t) as client:
        update = message(1, STRANGER, "hallo")
        assert await post(client, update, secret=None) == 403
        assert await post(client, update, secret="wrong") == 403
        assert await post(client, update, secret=SECRET + "x") == 403
        assert await post(client, update, secret="") == 403
        assert await stored(t) == []
        assert t.fake.requests == []
        # The right secret: stored, handled, answered.
        assert await post(client, update) == 200
        (row,) = await stored(t)
        assert row.update_id == 1 and row.handled_at is not None
        assert t.fake.texts() == [(str(STRANGER), ASK_CODE)]


async def test_a_secret_header_that_is_no_text_is_refused_like_a_wrong_one(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t, webhook(t) as client:
        body = json.dumps(message(1, STRANGER, "hallo")).encode()
        # Raw bytes: an HTTP client library would not send a header that is not UTF-8.
        reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
        try:
            writer.write(
                b"POST /webhooks/telegram HTTP/1.1\r\nHost: zaadje\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                + HEADER.encode()
                + b": \xff\xfe\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            status_line = await reader.readline()
        finally:
            writer.close()
        assert status_line.split()[1] == b"403"
        assert await stored(t) == []


async def test_a_duplicate_update_changes_nothing(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        await t.link()
        async with webhook(t) as client:
            before = len(t.fake.sent())
            update = message(42, CHAT, "1")
            for _ in range(3):
                assert await post(client, update) == 200
            assert [r.update_id for r in await stored(t) if r.update_id == 42] == [42]
            (reply,) = [r for r in await t.inbound() if r.provider_id == "tg:42"]
            assert reply.text == "1" and reply.case_id == t.case_id
            # The engine answered once (through the outbox), not three times.
            asked = [r for r in await t.outbox() if r.message_key == "sms.callback.ask_daypart"]
            assert len(asked) == 1
            assert len(t.fake.sent()) == before  # the bot itself said nothing extra


async def test_the_update_is_kept_when_handling_fails_and_handled_later(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t, webhook(t) as client:
        t.fake.fail("sendMessage", 502, "Bad Gateway")
        assert await post(client, message(7, STRANGER, "hallo")) == 200
        (row,) = await stored(t)
        assert row.handled_at is None and row.last_error == "TelegramServerError"
        # Telegram delivering it again changes nothing; the retry handles it once.
        assert await post(client, message(7, STRANGER, "hallo")) == 200
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert await t.handler.retry_unhandled(later) == 1
        assert await t.handler.retry_unhandled(later) == 0
        (row,) = await stored(t)
        assert row.handled_at is not None and row.attempts == 2
        assert t.fake.texts()[-1] == (str(STRANGER), ASK_CODE)
        assert len(t.fake.sent()) == 2  # the failed try and the one that worked


TEXTS = [
    "Hoi! Ik heb uw sms gekregen 🙂",
    "👍",
    "",
    "Merhaba, yardım istiyorum — teşekkürler ğüşıöç",
    "مرحبا، أريد المساعدة",
    "Привіт, мені потрібна допомога",
    "x" * 2000,
    "Zażółć gęślą jaźń\u200b\u2066\u0000?",
]


async def test_any_text_is_kept_for_a_linked_chat_and_an_unknown_chat_asked_for_its_code(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await t.link()
        before = len(t.fake.sent())
        async with webhook(t) as client:
            for n, body in enumerate(TEXTS):
                assert await post(client, message(100 + n, CHAT, body)) == 200
                assert await post(client, message(200 + n, STRANGER, body)) == 200
        kept = {r.provider_id: r for r in await t.inbound()}
        for n, body in enumerate(TEXTS):
            row = kept[f"tg:{100 + n}"]
            # Exactly as typed, but NUL (which PostgreSQL cannot store) shown as �.
            assert row.text == body.replace("\u0000", "\ufffd")
            assert row.case_id == t.case_id and row.handled_at is not None
        assert not any(r.sender == str(STRANGER) for r in kept.values())
        # The stranger is asked for the code each time; the linked chat's words go to the
        # flow engine, which answers through the outbox, not the bot directly.
        assert t.fake.texts()[before:] == [(str(STRANGER), ASK_CODE)] * len(TEXTS)
        assert all(r.handled_at is not None for r in await stored(t))
        assert await t.chat_of_case() == str(CHAT)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_what_is_not_an_update_is_refused_plainly(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t, webhook(t) as client:
        assert await post(client, "{not json") == 400
        assert await post(client, [1, 2]) == 400
        assert await post(client, {"message": {}}) == 400
        assert await post(client, {"update_id": "12"}) == 400
        assert await post(client, {"update_id": 12, "message": {"text": "no chat"}}) == 400
        # Beyond what JSON parsers and the database column take: 400, not a 500 that
        # Telegram would deliver again and again.
        assert await post(client, "[" * 100_000) == 400
        assert await post(client, message(2**63, STRANGER, "hallo")) == 400
        assert await post(client, message(-1, STRANGER, "hallo")) == 400
        assert await stored(t) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_route_without_telegram_configured(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        t.settings.telegram_webhook_secret = None
        async with webhook(t) as client:
            assert await post(client, message(1, STRANGER, "hallo")) == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_serve_tells_telegram_where_the_webhook_is(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        async with webhook(t):
            pass  # http: Telegram would refuse it, so it is not registered
        assert t.fake.sent("setWebhook") == []
        t.settings.public_base_url = "https://zaadje.voorbeeld.nl"
        async with webhook(t):
            (registered,) = t.fake.sent("setWebhook")
        assert registered.fields["url"] == "https://zaadje.voorbeeld.nl/webhooks/telegram"
        assert registered.fields["secret_token"] == SECRET
        assert registered.json_field("allowed_updates") == [
            "message",
            "callback_query",
            "my_chat_member",
        ]
