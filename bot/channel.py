"""The channel port: how the dispatcher hands a message to SMS or chat, whatever the provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str
    channel: str  # "sms" | "telegram"
    to: str  # E.164 phone number or Telegram chat id
    text: str
    message_key: str = ""  # which text it is: a chat channel adds the buttons that fit it


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


Result = Sent | TemporaryFailure | PermanentFailure


class Channel(Protocol):
    name: str

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        """Hand messages over; the result per idempotency key. Never raises for one message."""
        ...

    async def find(self, idempotency_key: str) -> Sent | None:
        """Whether the provider already has this message (recovery after a crash), if the
        provider can tell; None when it does not know it."""
        ...
