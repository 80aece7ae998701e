"""Linking a Telegram chat to a case by the short code from the SMS: the code arrives by SMS
(no link), links exactly one chat once, expires, and guessing is rate-limited per chat and for
all strangers' chats together. Once
linked, the case's messages go by chat, in the resident's language, with the menu buttons."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from casework.link_codes import ALPHABET, GLOBAL_MAX_WRONG, LENGTH, MAX_WRONG, shown
from messages import render
from scheduler.tick import tick
from store.models import SimulatedMessage, table_of
from tests.bot.telegram_kit import CHAT, MONDAY, PHONE, STRANGER, town

simulated_t = table_of(SimulatedMessage)

MENU = {
    "inline_keyboard": [
        [
            {"text": "1", "callback_data": "menu:1"},
            {"text": "2", "callback_data": "menu:2"},
            {"text": "3", "callback_data": "menu:3"},
        ]
    ]
}
VALUES = {"gemeente": "Voorbeeld", "telefoon": "14 020"}


def text(key: str, locale: str = "nl") -> str:
    return render(key, locale, **VALUES)


async def test_the_code_comes_by_sms_and_links_the_chat_then_messages_go_by_chat(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path, language="en") as t:
        code = await t.offer()
        assert len(code) == LENGTH and set(code) <= set(ALPHABET)
        await tick(t.ctx, MONDAY)  # first contact and the code, both by SMS
        sms = {row.message_key: row for row in await t.outbox()}
        link_sms = sms["chat.link_code"]
        assert (link_sms.channel, link_sms.to_address, link_sms.status) == (
            "sms",
            PHONE,
            "delivered",
        )
        # The resident's SMS carries the code; our own record of it keeps it masked.
        async with t.engine.connect() as conn:
            handed_over = await conn.scalar(
                select(simulated_t.c.text).where(
                    simulated_t.c.idempotency_key == link_sms.idempotency_key
                )
            )
        # In two groups of five, easy to copy; the bot reads it with or without the space.
        assert shown(code) in handed_over and "@VoorbeeldBot" in handed_over
        assert shown(code) not in link_sms.text and "@VoorbeeldBot" in link_sms.text
        assert "http" not in handed_over and "t.me" not in handed_over  # never a link
        assert t.fake.requests == []  # nothing went to Telegram yet

        # The resident types the code the way people do: lower case, with a space.
        await t.text(f" {code[:3].lower()} {code[3:]} ", language="de")
        assert await t.chat_of_case() == str(CHAT)
        (welcome,) = t.fake.sent()
        assert welcome.fields["chat_id"] == str(CHAT)
        assert welcome.fields["text"] == text("chat.welcome", "en")  # the case's language
        assert welcome.json_field("reply_markup") == MENU

        # Three working days later the reminder goes by chat, in English, with the menu.
        result = await tick(t.ctx, MONDAY.replace(day=5))
        assert result["sent"] == 1
        reminder = t.fake.sent()[-1]
        assert reminder.fields["chat_id"] == str(CHAT)
        assert reminder.fields["text"] == text("sms.reminder", "en")
        assert reminder.json_field("reply_markup") == MENU
        row = (await t.outbox())[-1]
        assert (row.channel, row.to_address, row.message_key) == (
            "telegram",
            str(CHAT),
            "sms.reminder",
        )


async def test_a_code_links_one_chat_once_and_expires(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        await t.text(code)
        assert await t.chat_of_case() == str(CHAT)
        # The same code from another chat: used up.
        await t.text(code, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.code_unknown"))
        assert await t.chat_of_case() == str(CHAT)

        # A newer SMS makes the older, unused code worthless …
        old = await t.offer()
        new = await t.offer()
        await t.text(old, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.code_unknown"))
        # … and a code sent after 14 days no longer works.
        t.clock.advance(days=14, seconds=1)
        await t.text(new, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.code_unknown"))
        assert await t.chat_of_case() == str(CHAT)


async def test_guessing_is_stopped_per_chat_until_the_hour_has_passed(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        # Ordinary words are no guesses: they get the question for the code.
        for words in ["hallo", "wat is dit?", "👋", "Goedemorgen, ik heb een sms gekregen"] * 2:
            await t.text(words, chat=STRANGER)
        assert t.fake.texts() == [(str(STRANGER), text("chat.ask_code"))] * 8
        t.fake.requests.clear()

        wrong = "ABCDEFGHJK" if code != "ABCDEFGHJK" else "MNPQRSTUVW"
        for _ in range(5):
            await t.text(wrong, chat=STRANGER)
            t.clock.advance(minutes=1)
        answers = [body for chat, body in t.fake.texts() if chat == str(STRANGER)]
        assert answers == [text("chat.code_unknown")] * 5
        # Many more guesses, the right code among them: none is even checked.
        for guess in ["23456K789A", "XYZ234ABCD", code, "QRSTUVWXYZ"] * 10:
            await t.text(guess, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.too_many_tries"))
        assert len(t.fake.sent()) == 45
        assert await t.chat_of_case() is None
        # Another chat is not held back by this one's guesses.
        await t.text(wrong, chat=CHAT)
        assert t.fake.texts()[-1] == (str(CHAT), text("chat.code_unknown"))
        # An hour after the first wrong guess the window has passed: the right code links.
        t.clock.advance(minutes=56)
        await t.text(code, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.welcome"))
        assert await t.chat_of_case() == str(STRANGER)


async def test_guessing_with_many_chats_is_stopped_for_all_of_them_until_the_hour_has_passed(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        wrong = "ABCDEFGHJK" if code != "ABCDEFGHJK" else "MNPQRSTUVW"
        # An attacker with many chats, each staying under its own limit.
        per_chat = MAX_WRONG - 1
        chats = [900_000_000 + i for i in range(-(-GLOBAL_MAX_WRONG // per_chat))]
        for chat in chats:
            for _ in range(per_chat):
                await t.text(wrong, chat=chat)
        t.clock.advance(minutes=1)
        # Now no code is checked for any chat without a case, not even the right one.
        await t.text(code, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.too_many_tries"))
        assert await t.chat_of_case() is None
        # An hour after the guessing, the resident's own code links their chat.
        t.clock.advance(minutes=60)
        await t.text(code, chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.welcome"))
        assert await t.chat_of_case() == str(STRANGER)


async def test_a_burst_of_guesses_at_once_gets_no_more_checked_than_one_by_one(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        wrong = ["ABCDEFGHJK", "GHJKMNPQRS", "PQRSTUVWXY", "VWXYZ23456", "3456789ABC"] * 4
        assert code not in wrong
        # Telegram delivers up to 40 webhook requests at once: all of one chat's guesses.
        await asyncio.gather(*(t.text(guess, chat=STRANGER) for guess in wrong))
        answers = [body for _, body in t.fake.texts()]
        assert answers.count(text("chat.code_unknown")) == MAX_WRONG
        assert answers.count(text("chat.too_many_tries")) == len(wrong) - MAX_WRONG
