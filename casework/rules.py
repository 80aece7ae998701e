"""What applying events needs besides the database: the municipality's calendar, its ladders
and experiments, the chat invitation, and the team's daily capacity."""

from __future__ import annotations

from dataclasses import dataclass, field

from clock import Calendar
from flows import Flow
from flows.experiments import Experiment


@dataclass(frozen=True)
class ChatInvite:
    """What offering a resident the Telegram chat needs (only when Telegram is configured):
    the key the link codes are signed with and the bot's public name for the SMS."""

    secret_key: str = field(repr=False)
    bot_name: str


@dataclass(frozen=True)
class TextRoute:
    """Which channel a text to a resident's phone number takes (`[channels] order`).

    With WhatsApp first, a message goes by WhatsApp when WhatsApp allows it: as an approved
    template (one per catalogue key and language in `templates`), or as free text while the
    resident's last WhatsApp message is less than 24 hours old. Otherwise, or once the case
    fell back (`cases.sms_only`), by SMS."""

    whatsapp_first: bool = False
    templates: frozenset[tuple[str, str]] = frozenset()  # (message key, language)

    def has_template(self, key: str, locale: str) -> bool:
        return (key, locale) in self.templates


@dataclass(frozen=True)
class CaseRules:
    """The rules every change of a case follows: the calendar (working days, contact hours),
    the flow (ladders), the municipality's experiments, and the chat invitation when Telegram
    is configured. Built once per process by the composition root (`app/wiring.py`)."""

    calendar: Calendar
    flow: Flow
    experiments: tuple[Experiment, ...] = ()
    chat: ChatInvite | None = None
    route: TextRoute = TextRoute()


@dataclass(frozen=True)
class Capacity:
    """The team's work per day: the plan and the coordinator's page keep to it."""

    messages_per_day: int = 500
    phone_calls_per_day: int = 40
    home_visits_per_day: int = 8
    letters_per_day: int = 200
