"""The channel port: everything the core knows of a channel (SMS, WhatsApp, chat, letters),
whatever the provider behind it. Adapters live in `bot/`; the dispatcher, delivery
reports and the reply use case speak only this port.

A channel does three things: hand messages over (`send_many`), say whether it already has a
message whose hand-over was uncertain (`find`, recovery after a crash), and say what a
provider's final delivery status means for us (`receipt`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

# Channels whose address is the resident's phone number: one number, one opt-out, one case.
PHONE_CHANNELS = frozenset({"sms", "whatsapp"})
# Where a message goes when its channel cannot take it but the number may well get an SMS.
FALLBACK_CHANNEL = "sms"


def is_phone_channel(channel: str) -> bool:
    return channel in PHONE_CHANNELS


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str
    channel: str  # "sms" | "whatsapp" | "telegram"
    to: str  # E.164 phone number or Telegram chat id
    text: str
    message_key: str = ""  # which text it is: a chat channel adds the buttons that fit it
    locale: str = ""  # the language it was rendered in (a template is chosen per language)
    # The values its placeholders were filled with (a template takes them as variables).
    values: Mapping[str, object] = field(default_factory=dict)


# `message`: this message cannot go by this channel (outside WhatsApp's 24-hour window, no
# approved template, our WhatsApp sender suspended); `case`: the number cannot get this
# channel at all (not on WhatsApp), so the case keeps SMS for its later steps too.
Reroute = Literal["message", "case"]


@dataclass(frozen=True)
class Sent:
    """The provider took the message. `delivered` when it also confirmed delivery at once."""

    provider_id: str
    delivered: bool = False


@dataclass(frozen=True)
class TemporaryFailure:
    """Try again later (outage, rate limit). `retry_after` in seconds when the provider said."""

    reason: str
    retry_after: float | None = None


@dataclass(frozen=True)
class PermanentFailure:
    """This address cannot be reached by this channel (invalid number, blocked, opted out)."""

    reason: str
    opted_out: bool = False  # the provider says the resident blocked us (Twilio 21610)
    # Not the resident's number but this channel: send the same message by SMS at once,
    # not a failed contact attempt (see `Reroute`).
    reroute: Reroute | None = None


Result = Sent | TemporaryFailure | PermanentFailure


@dataclass(frozen=True)
class Receipt:
    """What a provider's final delivery status means for us.

    `status` is ours: `delivered`, `undelivered` or `failed`. A failure is `permanent` when
    the address is unusable (the ladder moves on), `opted_out` when the resident blocked us;
    any other failure leaves the ladder to its own timers."""

    status: str
    reason: str | None = None
    permanent: bool = False
    opted_out: bool = False
    reroute: Reroute | None = None  # as for `PermanentFailure`: the message goes by SMS


class Channel(Protocol):
    name: str

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        """Hand messages over; the result per idempotency key. Never raises for one message."""
        ...

    async def find(self, message: Outgoing, since: datetime) -> Sent | TemporaryFailure | None:
        """Whether the provider already has this message, handed over at or after `since` by
        a worker that died before recording it: `Sent` when it has (the message is adopted),
        None when it has not, `TemporaryFailure` when it cannot tell now (the row waits).
        Recovery sends the message again only after this said None."""
        ...

    def receipt(self, status: str, error: str | None) -> Receipt:
        """Our meaning of the provider's final status `status` with its error code."""
        ...


def plain_receipt(status: str, error: str | None) -> Receipt:
    """The receipt of a channel whose provider has no error codes of its own to weigh: it
    confirms delivery at hand-over (chat) or reports only delivered or not."""
    if status in ("delivered", "read"):
        return Receipt("delivered")
    return Receipt("failed", f"{status}: {error}" if error else status)
