"""What can happen to a case. The engine's only inputs besides the state and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from flows.intents import Intent


@dataclass(frozen=True)
class Planned:
    """The scheduler picked the case for today's outreach (within capacity)."""


@dataclass(frozen=True)
class Delivered:
    idempotency_key: str


@dataclass(frozen=True)
class Failed:
    """A send failed. Temporary failures are the outbox's business (it retries); a permanent
    one means this address cannot get messages."""

    idempotency_key: str
    permanent: bool


@dataclass(frozen=True)
class Reply:
    """An inbound message. Leave `intent` None to let the engine parse it in context."""

    text: str
    intent: Intent | None = None


@dataclass(frozen=True)
class Timeout:
    timer_version: int
    name: str


@dataclass(frozen=True)
class TaskOutcome:
    task_ref: str
    reached: bool
    result: str | None = None  # DDAS EnumEindresultaat
    daypart: str | None = None  # EnumDagdeel of the attempt; derived from the time if absent
    note: str | None = None
    # EnumContactsoort of the attempt when the task's kind allows more than one (a home visit
    # that became an appointment at a location: "Afspraak op locatie"); None: the kind's own.
    soort: str | None = None


@dataclass(frozen=True)
class OptOut:
    """The channel says the resident blocked us (Twilio 21610, a Telegram block): no reply
    can reach them, so no confirmation is sent."""


@dataclass(frozen=True)
class OptIn:
    """The opt-out was lifted outside a reply (a caseworker, the provider's own START)."""


@dataclass(frozen=True)
class LanguageChange:
    locale: str


@dataclass(frozen=True)
class NewSignal:
    crisis: bool = False


@dataclass(frozen=True)
class VariantStopped:
    """The case's experiment variant was stopped: finish on the default ladder."""


@dataclass(frozen=True)
class ChatLinked:
    """The resident linked a chat to the case: from now on its messages go by chat."""

    channel: str = "telegram"


@dataclass(frozen=True)
class Erased:
    """The resident's data was erased (a request, or the retention period ran out): nobody
    may contact them any more."""


Event = (
    Planned
    | Delivered
    | Failed
    | Reply
    | Timeout
    | TaskOutcome
    | OptOut
    | OptIn
    | LanguageChange
    | NewSignal
    | VariantStopped
    | ChatLinked
    | Erased
)
