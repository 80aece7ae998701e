"""Inline keyboards: the reply menu, the dayparts and the languages.

A button press arrives as a callback query with the button's data (at most 64 bytes). The
menu and daypart buttons carry the reply they stand for; `reply_text` turns that into words
the SMS menu understands in every context ("bel me", "Ochtend"), so a button pressed under an
older message still means what its label said, and the flow engine decides what follows.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

MENU = "menu"
DAYPART = "dagdeel"
LANGUAGE = "taal"

# Button label (as the text says: "Stuur 1 …") → the reply it stands for.
MENU_REPLIES = {"1": "bel me", "2": "nee bedankt", "3": "al geregeld"}
DAYPART_REPLIES = {"1": "Ochtend", "2": "Middag", "3": "Avond"}
# Each language named in itself, in the order of the catalogues.
LANGUAGES = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}
# The question above the language buttons: in every language at once, since the point is
# that the resident may not read the current one.
LANGUAGE_QUESTION = "Taal · Language · Dil · اللغة · Język · Мова"

# Which texts get which buttons: those that end with the menu or the daypart question.
MENU_KEYS = frozenset({"chat.welcome", "sms.first_contact", "sms.reminder", "sms.menu"})
DAYPART_KEYS = frozenset({"sms.callback.ask_daypart"})


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
    if message_key in MENU_KEYS:
        return menu()
    if message_key in DAYPART_KEYS:
        return dayparts()
    return None


def reply_text(data: str) -> tuple[str, str] | None:
    """(kind, reply) for a button's callback data; None for data we never sent."""
    kind, _, value = data.partition(":")
    if kind == MENU and value in MENU_REPLIES:
        return kind, MENU_REPLIES[value]
    if kind == DAYPART and value in DAYPART_REPLIES:
        return kind, DAYPART_REPLIES[value]
    if kind == LANGUAGE and value in LANGUAGES:
        return kind, value  # a bare language code is a language choice in every context
    return None
