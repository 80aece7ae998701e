"""A linked resident chatting: the menu and daypart buttons mean what the SMS menu means (the
flow engine answers, by chat, with the next buttons), /taal changes the language, /stop and a
block stop every automatic message and hand the case to a person; an unknown chat is asked
for its code, whatever it sends, and is never an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.telegram.keyboards import LANGUAGE_QUESTION
from casework.tasks import list_tasks
from messages import render
from scheduler.tick import tick
from tests.bot.telegram_kit import (
    CHAT,
    MONDAY,
    PHONE,
    STRANGER,
    Town,
    button,
    member,
    message,
    town,
)

VALUES = {"gemeente": "Voorbeeld", "telefoon": "14 020"}
DAYPARTS = {
    "inline_keyboard": [
        [
            {"text": "1", "callback_data": "dagdeel:1"},
            {"text": "2", "callback_data": "dagdeel:2"},
            {"text": "3", "callback_data": "dagdeel:3"},
        ]
    ]
}
LANGUAGES = {
    "inline_keyboard": [
        [
            {"text": "Nederlands", "callback_data": "taal:nl"},
            {"text": "English", "callback_data": "taal:en"},
            {"text": "Türkçe", "callback_data": "taal:tr"},
        ],
        [
            {"text": "العربية", "callback_data": "taal:ar"},
            {"text": "Polski", "callback_data": "taal:pl"},
            {"text": "Українська", "callback_data": "taal:uk"},
        ],
    ]
}


def text(key: str, locale: str = "nl", **extra: Any) -> str:
    return render(key, locale, **VALUES, **extra)


async def contacted_and_linked(t: Town) -> None:
    await tick(t.ctx, MONDAY)  # the first contact goes by SMS
    await t.link()


async def open_tasks(t: Town) -> list[dict[str, Any]]:
    async with t.engine.connect() as conn:
        return await list_tasks(conn, "open")


async def test_menu_and_daypart_buttons_arrange_a_call_by_chat(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        await t.press("menu:1")
        answered = t.fake.sent("answerCallbackQuery")
        assert [r.fields["callback_query_id"] for r in answered] == [f"cb{t.next_update}"]
        await tick(t.ctx, MONDAY)
        ask = t.fake.sent()[-1]
        assert ask.fields["chat_id"] == str(CHAT)
        assert ask.fields["text"] == text("sms.callback.ask_daypart")
        assert ask.json_field("reply_markup") == DAYPARTS

        await t.press("dagdeel:3")
        await tick(t.ctx, MONDAY)
        (task,) = await open_tasks(t)
        assert (task["kind"], task["daypart"], task["case"]) == ("callback", "Avond", t.case_id)
        confirmed = t.fake.sent()[-1]
        assert confirmed.fields["text"] == text("sms.callback.confirmed", dagdeel="avond")
        assert "reply_markup" not in confirmed.fields
        kept = [r.text for r in await t.inbound()]
        assert kept[-2:] == ["bel me", "Avond"]


async def test_no_thanks_button_closes_the_case_politely(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        await t.press("menu:2")
        await tick(t.ctx, MONDAY)
        assert t.fake.texts()[-1] == (str(CHAT), text("sms.no_thanks"))
        case = await t.case()
        assert case.state == "closed" and "geen hulp" in case.result


async def test_taal_offers_languages_and_a_choice_switches_the_case(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        await t.text("/taal")
        question = t.fake.sent()[-1]
        assert question.fields["text"] == LANGUAGE_QUESTION
        assert question.json_field("reply_markup") == LANGUAGES
        await t.press("taal:en")
        await tick(t.ctx, MONDAY)
        assert (await t.case()).locale == "en"
        assert t.fake.texts()[-1] == (str(CHAT), text("sms.language_changed", "en"))
        # The next message of the ladder comes in English.
        await tick(t.ctx, MONDAY.replace(day=5))
        assert t.fake.texts()[-1] == (str(CHAT), text("sms.reminder", "en"))


async def test_stop_in_the_chat_stops_everything_and_start_brings_it_back(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        await t.text("/stop")
        assert await t.opt_outs() == {PHONE, f"telegram:{CHAT}"}
        await tick(t.ctx, MONDAY)
        assert t.fake.texts()[-1] == (str(CHAT), text("sms.optout_confirmed"))
        assert [task["kind"] for task in await open_tasks(t)] == ["review"]
        sent = len(t.fake.sent())
        await tick(t.ctx, MONDAY.replace(day=5))  # the reminder's day: nothing is sent
        assert len(t.fake.sent()) == sent

        await t.text("/start")
        await tick(t.ctx, MONDAY.replace(day=5))
        assert await t.opt_outs() == set()
        assert t.fake.texts()[-1] == (str(CHAT), text("sms.start"))


async def test_blocking_the_bot_opts_the_case_out(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        await t.send(member(t.uid(), CHAT, "kicked"))
        assert await t.opt_outs() == {PHONE, f"telegram:{CHAT}"}
        assert [task["kind"] for task in await open_tasks(t)] == ["review"]
        sent = len(t.fake.sent())
        await tick(t.ctx, MONDAY.replace(day=5))
        assert len(t.fake.sent()) == sent  # no confirmation: a blocked bot reaches nobody
        # A stranger blocking the bot: that chat alone is remembered.
        await t.send(member(t.uid(), STRANGER, "kicked"))
        assert f"telegram:{STRANGER}" in await t.opt_outs()


async def test_an_unknown_chat_is_asked_for_its_code_in_its_own_language_until_it_stops(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await t.text("/start", chat=STRANGER, language="en")
        await t.text("/start", chat=STRANGER, language="pt-BR")  # no catalogue: Dutch
        await t.press("menu:1", chat=STRANGER)
        await t.press("taal:uk", chat=STRANGER)
        await t.press("something-we-never-sent", chat=STRANGER)
        assert t.fake.texts() == [
            (str(STRANGER), text("chat.ask_code", "en")),
            (str(STRANGER), text("chat.ask_code")),
            (str(STRANGER), text("chat.ask_code")),
            (str(STRANGER), text("chat.ask_code", "uk")),
        ]
        assert len(t.fake.sent("answerCallbackQuery")) == 3
        assert await t.inbound() == []  # nothing of a stranger reaches a case
        assert await t.chat_of_case() is None

        # /stop: this chat hears nothing more until /start.
        await t.text("/stop", chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("sms.optout_confirmed"))
        assert await t.opt_outs() == {f"telegram:{STRANGER}"}
        await t.text("hallo?", chat=STRANGER)
        assert len(t.fake.sent()) == 5
        await t.text("/start", chat=STRANGER)
        assert t.fake.texts()[-1] == (str(STRANGER), text("chat.ask_code"))
        assert await t.opt_outs() == set()


async def test_a_linked_chat_s_six_letter_words_are_words_not_codes(
    db_url: str, tmp_path: Path
) -> None:
    async with town(db_url, tmp_path) as t:
        await contacted_and_linked(t)
        sent = len(t.fake.sent())
        await t.text("dankje")
        (kept,) = [r for r in await t.inbound() if r.text == "dankje"]
        assert kept.case_id == t.case_id
        assert len(t.fake.sent()) == sent  # no "unknown code" answer


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_group_chats_are_ignored(db_url: str, tmp_path: Path) -> None:
    async with town(db_url, tmp_path) as t:
        code = await t.offer()
        group = message(t.uid(), -100123, code)
        group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Buren"}
        await t.send(group)
        pressed = button(t.uid(), -100123, "menu:1")
        pressed["callback_query"]["message"]["chat"] = {"id": -100123, "type": "group"}
        await t.send(pressed)
        assert t.fake.requests == []
        assert await t.chat_of_case() is None
