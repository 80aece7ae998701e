"""The Telegram channel as the dispatcher uses it: the real aiogram Bot against the fake Bot
API. Exact requests (chat, text, buttons); each failure mapped as the dispatcher needs it;
what Telegram accepted is remembered by key, so a crash never sends it twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.client.session.aiohttp import AiohttpSession

from bot.telegram.channel import TelegramChannel
from casework.channels import Channel, Outgoing, PermanentFailure, Sent, TemporaryFailure
from casework.tasks import list_tasks
from scheduler.tick import tick
from tests.bot.telegram_kit import CHAT, MONDAY, PHONE, STRANGER, town
from tests.fakes.telegram import BLOCKED

MENU = {
    "inline_keyboard": [
        [
            {"text": "1", "callback_data": "menu:1"},
            {"text": "2", "callback_data": "menu:2"},
            {"text": "3", "callback_data": "menu:3"},
        ]
    ]
}


async def _find(channel: Channel, key: str) -> Sent | TemporaryFailure | None:
    """The dispatcher's recovery question for the message with this key."""
    return await channel.find(Outgoing(key, "telegram", "", ""), datetime(2026, 1, 1, tzinfo=UTC))


def out(key: str, to: int | str = CHAT, text: str = "Hallo 👋", message_key: str = "") -> Outgoing:
    return Outgoing(key, "telegram", str(to), text, message_key)


def _open(channel: TelegramChannel) -> bool:
    bot_session = channel.bot.session
    assert isinstance(bot_session, AiohttpSession)
    session = bot_session._session  # aiogram's aiohttp session, made on first use
    return session is not None and not session.closed


async def test_each_message_is_sent_with_the_buttons_that_fit_it(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        channel = t.ctx.channels["telegram"]
        assert isinstance(channel, TelegramChannel)
        long = "é" * 2000
        results = await channel.send_many(
            [
                out("k1", text="Stuur 1, 2 of 3.", message_key="sms.menu"),
                out("k2", to=STRANGER, text=long, message_key="sms.no_thanks"),
                out("k3", text="Tot ziens 👋", message_key="sms.start"),
            ]
        )
        assert all(isinstance(r, Sent) and r.delivered for r in results.values())
        to_chat = [r for r in t.fake.sent() if r.fields["chat_id"] == str(CHAT)]
        # One chat's messages arrive in outbox order.
        assert [r.fields["text"] for r in to_chat] == ["Stuur 1, 2 of 3.", "Tot ziens 👋"]
        assert to_chat[0].json_field("reply_markup") == MENU
        assert "reply_markup" not in to_chat[1].fields
        (to_stranger,) = [r for r in t.fake.sent() if r.fields["chat_id"] == str(STRANGER)]
        assert to_stranger.fields == {"chat_id": str(STRANGER), "text": long}
        # No connection is left open after the batch (`zaadje tick` would exit with an
        # "Unclosed client session" error otherwise).
        assert not _open(channel)
        # Known after a crash: found by key, not sent again.
        assert await _find(channel, "k1") == results["k1"]
        assert results["k1"] != results["k3"]
        assert await _find(channel, "never-sent") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_failures_are_told_apart(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        channel = t.ctx.channels["telegram"]
        t.fake.block(STRANGER)
        t.fake.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        t.fake.fail("sendMessage", 500, "Internal Server Error")
        t.fake.fail("sendMessage", 400, "Bad Request: chat not found")
        t.fake.fail("sendMessage", 403, "Forbidden: user is deactivated")
        # One at a time, so each scripted failure meets the message it is meant for.
        got = {}
        for message in [out("limit"), out("outage"), out("gone"), out("deactivated")]:
            got.update(await channel.send_many([message]))
        got.update(await channel.send_many([out("blocked", to=STRANGER), out("fine")]))
        got.update(await channel.send_many([out("bad", to="not-a-chat")]))
        assert got["limit"] == TemporaryFailure("429 too many requests", retry_after=7.0)
        assert isinstance(got["outage"], TemporaryFailure)
        assert got["gone"] == PermanentFailure("400 Bad Request: chat not found")
        assert got["deactivated"] == PermanentFailure("403 Forbidden: user is deactivated")
        assert got["blocked"] == PermanentFailure(f"403 {BLOCKED}", opted_out=True)
        assert isinstance(got["fine"], Sent)
        assert got["bad"] == PermanentFailure("not a Telegram chat id")
        assert await _find(channel, "blocked") is None and await _find(channel, "limit") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_unreachable_bot_api_is_a_temporary_failure(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        channel = t.ctx.channels["telegram"]
        await t.fake.__aexit__(None, None, None)  # Telegram is down
        (result,) = (await channel.send_many([out("down")])).values()
        assert isinstance(result, TemporaryFailure) and result.reason.startswith("network")


async def test_a_blocked_bot_found_when_sending_opts_the_case_out(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await tick(t.ctx, MONDAY)
        await t.link()
        t.fake.block(CHAT)
        await tick(t.ctx, MONDAY.replace(day=5))  # the reminder meets the block
        reminder = (await t.outbox())[-1]
        assert (reminder.channel, reminder.status) == ("telegram", "failed")
        assert await t.opt_outs() == {PHONE, f"telegram:{CHAT}"}
        async with t.engine.connect() as conn:
            assert [task["kind"] for task in await list_tasks(conn, "open")] == ["review"]


async def test_a_message_telegram_took_is_remembered_before_the_batch_ends(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        channel = t.ctx.channels["telegram"]
        assert isinstance(channel, TelegramChannel)
        gate = t.fake.hold(STRANGER)  # the Bot API never answers for this chat
        batch = asyncio.create_task(channel.send_many([out("k1"), out("k2", to=STRANGER)]))
        try:
            for _ in range(300):
                if await _find(channel, "k1") is not None:
                    break
                await asyncio.sleep(0.01)
            # The process dies with the batch unfinished: what Telegram took is known, so
            # the dispatcher's recovery does not send it again; the rest it does send.
            batch.cancel()
            assert isinstance(await _find(channel, "k1"), Sent)
            assert await _find(channel, "k2") is None
        finally:
            gate.set()
