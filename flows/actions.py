"""What the engine asks the outside world to do. The scheduler/dispatcher carries them out.

Datetimes are timezone-aware. Idempotency keys and task refs are derived from the case id and
counters kept in the state, so applying the same event to the same state always yields the same
keys: a crash between deciding and storing can never produce a second copy of a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class SendMessage:
    key: str  # catalogue key, e.g. "sms.reminder"
    idempotency_key: str
    not_before: datetime  # always inside contact hours
    locale: str  # the resident's language when the engine decided
    values: dict[str, Any] = field(default_factory=dict)  # placeholders, e.g. {"dagdeel": ...}
    # The single confirmation of a STOP. The dispatcher re-checks the global opt-out before
    # every send and must let exactly these through.
    confirms_opt_out: bool = False
    # None: the case's own message channel (SMS or its chat); "letter": by post.
    channel: str | None = None


@dataclass(frozen=True)
class CreateTask:
    ref: str
    kind: str  # phone | callback | home_visit | review
    due: datetime
    not_before: datetime | None = None
    daypart: str | None = None  # EnumDagdeel the call/visit should happen in
    reason: str = "ladder"  # ladder | callback | not_understood | opt_out | needs_result
    note: str | None = None  # for the caseworker, e.g. the reply that was not understood
    priority_boost: int = 0


@dataclass(frozen=True)
class CancelTask:
    ref: str


@dataclass(frozen=True)
class WithdrawMessages:
    """Ladder messages queued for a later contact slot that a reply made pointless (a
    reminder to someone who just answered). Only those not handed to a channel yet."""

    idempotency_keys: tuple[str, ...]


@dataclass(frozen=True)
class AddTaskNote:
    """Another text for an open review task (rather than a second task per message)."""

    ref: str
    note: str


@dataclass(frozen=True)
class SetTimer:
    """The case's one live timer. A timer with a lower version than the case's is stale."""

    name: str
    due: datetime
    version: int


@dataclass(frozen=True)
class RecordAttempt:
    """A DDAS contactpoging; a later RecordAttempt with the same ref replaces the earlier one."""

    ref: str
    soort: str
    bereikt: bool
    datum: date
    dagdeel: str | None


@dataclass(frozen=True)
class CloseCase:
    result: str  # DDAS EnumEindresultaat


@dataclass(frozen=True)
class ReopenCase:
    """A closed case is open again (a new signal, or the resident asked for a call)."""


@dataclass(frozen=True)
class OptOutAddress:
    """Add the case's address (phone number / chat) to the global opt-out list."""


@dataclass(frozen=True)
class LiftOptOut:
    pass


@dataclass(frozen=True)
class SetLocale:
    locale: str


Action = (
    SendMessage
    | CreateTask
    | CancelTask
    | WithdrawMessages
    | AddTaskNote
    | SetTimer
    | RecordAttempt
    | CloseCase
    | ReopenCase
    | OptOutAddress
    | LiftOptOut
    | SetLocale
)
