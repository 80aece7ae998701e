"""The reply menus as buttons, for every chat-like channel (Telegram's inline keyboards,
WhatsApp's quick replies): which texts get which buttons, and what a pressed button says.

A button carries the reply it stands for as `<kind>:<label>`; `reply_text` turns that into
words the SMS menu understands in every context ("bel me", "Ochtend"), so a button pressed
under an older message still means what its label said, and the flow engine decides.
"""

from __future__ import annotations

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

# Which texts get which buttons: those that end with the menu or the daypart question.
MENU_KEYS = frozenset({"chat.welcome", "sms.first_contact", "sms.reminder", "sms.menu"})
DAYPART_KEYS = frozenset({"sms.callback.ask_daypart"})


def buttons_for(message_key: str) -> tuple[str, dict[str, str]] | None:
    """(kind, label → reply) of the buttons under this text, or None."""
    if message_key in MENU_KEYS:
        return MENU, MENU_REPLIES
    if message_key in DAYPART_KEYS:
        return DAYPART, DAYPART_REPLIES
    return None


def reply_text(data: str) -> tuple[str, str] | None:
    """(kind, reply) for a button's data; None for data we never sent."""
    kind, _, value = data.partition(":")
    if kind == MENU and value in MENU_REPLIES:
        return kind, MENU_REPLIES[value]
    if kind == DAYPART and value in DAYPART_REPLIES:
        return kind, DAYPART_REPLIES[value]
    if kind == LANGUAGE and value in LANGUAGES:
        return kind, value  # a bare language code is a language choice in every context
    return None
