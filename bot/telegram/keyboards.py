"""Inline keyboards: the reply menu, the dayparts and the languages.

A button press arrives as a callback query with the button's data (at most 64 bytes): the
reply it stands for, as `bot.menus` writes it for every channel with buttons.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.menus import (
    DAYPART,
    DAYPART_REPLIES,
    LANGUAGE,
    LANGUAGES,
    MENU,
    MENU_REPLIES,
    buttons_for,
    reply_text,
)

# The question above the language buttons: in every language at once, since the point is
# that the resident may not read the current one.
LANGUAGE_QUESTION = "Taal · Language · Dil · اللغة · Język · Мова"


def _row(kind: str, choices: dict[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"{kind}:{label}") for label in choices]
        ]
    )


def menu() -> InlineKeyboardMarkup:
    return _row(MENU, MENU_REPLIES)


def dayparts() -> InlineKeyboardMarkup:
    return _row(DAYPART, DAYPART_REPLIES)


def languages() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=name, callback_data=f"{LANGUAGE}:{code}")
        for code, name in LANGUAGES.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:3], buttons[3:]])


def for_message(message_key: str) -> InlineKeyboardMarkup | None:
    found = buttons_for(message_key)
    return None if found is None else _row(*found)


__all__ = ["DAYPART", "LANGUAGE", "LANGUAGE_QUESTION", "MENU", "reply_text"]
