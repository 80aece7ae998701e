"""Polling for development: getUpdates against the fake, each update stored and handled as the
webhook does (a repeat delivery changes nothing), the offset moving past what was seen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.telegram.polling import poll_once
from messages import render
from store.telegram_models import TelegramUpdate
from tests.bot.telegram_kit import CHAT, STRANGER, message, town
from tests.conftest import Cli


async def test_polled_updates_are_stored_and_handled_once(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        t.fake.updates += [message(501, STRANGER, "hallo 👋", "en"), message(502, CHAT, code)]
        offset = await poll_once(t.handler, None, t.clock, timeout=0)
        assert offset == 503
        assert await t.chat_of_case() == str(CHAT)
        assert t.fake.texts() == [
            (str(STRANGER), render("chat.ask_code", "en", gemeente="Voorbeeld")),
            (str(CHAT), render("chat.welcome", "nl", gemeente="Voorbeeld")),
        ]
        (fetch,) = t.fake.sent("getUpdates")
        assert fetch.fields["timeout"] == "0" and "offset" not in fetch.fields
        assert json.loads(fetch.fields["allowed_updates"]) == [
            "message",
            "callback_query",
            "my_chat_member",
        ]
        # Asked again from the start (a restart without the offset): nothing is done twice.
        assert await poll_once(t.handler, None, t.clock, timeout=0) == 503
        assert len(t.fake.sent()) == 2
        assert await poll_once(t.handler, offset, t.clock, timeout=0) == offset
        assert t.fake.sent("getUpdates")[-1].fields["offset"] == "503"
        async with t.engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(TelegramUpdate))
        assert count == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_poll_needs_a_token(cli: Cli) -> None:
    code, out, err = cli.run("telegram", "poll")
    assert code == 2 and out == ""
    assert err.strip() == "zaadje: TELEGRAM_BOT_TOKEN is not set"
