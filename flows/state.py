"""Everything the engine remembers about one case, as an immutable, JSON-safe value.

The scheduler stores `to_dict()` in a JSON column and hands `from_dict()` back to the engine, so
every field is a str/int/bool/None, a date or datetime (as ISO text) or a tuple of small records.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Final

from flows.ddas import SMS
from flows.experiments import Assignment

# Stages that are not ladder steps. Every other stage is the id of a step of `state.ladder`.
NEW: Final = "new"  # waiting for the scheduler to plan the first contact
ASK_DAYPART: Final = "ask_daypart"  # the resident asked for a call; we asked when
CALLBACK: Final = "callback"  # a callback task is open
IN_CONTACT: Final = "in_contact"  # reached, the caseworker still has to record a result
STOPPED: Final = "stopped"  # opted out; the ladder waits for a person's review
CLOSED: Final = "closed"
SPECIAL_STAGES: Final = frozenset({NEW, ASK_DAYPART, CALLBACK, IN_CONTACT, STOPPED, CLOSED})

# Why a task exists; the desk can show it, and the engine knows what its outcome means.
LADDER: Final = "ladder"
REASON_CALLBACK: Final = "callback"
NOT_UNDERSTOOD: Final = "not_understood"
OPT_OUT: Final = "opt_out"
NEEDS_RESULT: Final = "needs_result"


@dataclass(frozen=True)
class TaskRef:
    ref: str
    kind: str  # phone | callback | home_visit | review
    reason: str  # ladder | callback | not_understood | opt_out | needs_result
    step: str | None = None  # the ladder step that created it
    daypart: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "kind": self.kind,
            "reason": self.reason,
            "step": self.step,
            "daypart": self.daypart,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskRef:
        return cls(data["ref"], data["kind"], data["reason"], data.get("step"), data.get("daypart"))


@dataclass(frozen=True)
class Attempt:
    """A DDAS contactpoging; `ref` lets a later event update it (an SMS that got a reply)."""

    ref: str
    soort: str  # EnumContactsoort
    bereikt: bool
    datum: date
    dagdeel: str | None  # EnumDagdeel

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "soort": self.soort,
            "bereikt": self.bereikt,
            "datum": self.datum.isoformat(),
            "dagdeel": self.dagdeel,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            data["ref"],
            data["soort"],
            bool(data["bereikt"]),
            date.fromisoformat(data["datum"]),
            data.get("dagdeel"),
        )


@dataclass(frozen=True)
class Outreach:
    """A ladder message that was scheduled: it becomes a contact attempt once delivered (an SMS
    or chat message: `SMS/Whatsapp`; a letter, once its batch is posted: `Brief`)."""

    key: str  # the idempotency key
    at: datetime
    soort: str = SMS  # EnumContactsoort of the attempt it becomes

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "at": self.at.isoformat(), "soort": self.soort}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outreach:
        return cls(data["key"], datetime.fromisoformat(data["at"]), data.get("soort", SMS))


@dataclass(frozen=True)
class CaseState:
    case_id: str
    stage: str = NEW
    ladder: str | None = None  # "default", "crisis", "welcome_back" once planned
    crisis: bool = False
    has_phone: bool = True  # a usable phone number (for SMS and for calls)
    channel: str = "sms"  # the preferred channel: "sms" or "telegram"
    locale: str = "nl"
    opted_out: bool = False
    messaging_failed: bool = False  # the provider rejected the address for good
    said_no_thanks: bool = False
    welcome_back_sent: bool = False
    not_understood_acked: bool = False
    preferred_daypart: str | None = None
    callback_misses: int = 0
    resume_stage: str | None = None  # where a STOPPED case goes on after review
    timer_paused: bool = False  # a wait ran out while a caseworker task was open
    open_tasks: tuple[TaskRef, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    outreach: tuple[Outreach, ...] = ()
    timer_version: int = 0
    message_seq: int = 0
    task_seq: int = 0
    started_at: datetime | None = None
    closed_result: str | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    # The experiment variant, fixed when outreach starts (flows/experiments.py).
    assignment: Assignment | None = None

    # -- derived ------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self.stage == CLOSED

    @property
    def can_message(self) -> bool:
        """Whether an automatic message can reach the resident at all (opt-out aside)."""
        reachable = self.has_phone or self.channel == "telegram"
        return reachable and not self.messaging_failed

    def tasks(self, *reasons: str) -> tuple[TaskRef, ...]:
        return tuple(t for t in self.open_tasks if not reasons or t.reason in reasons)

    def task(self, ref: str) -> TaskRef | None:
        return next((t for t in self.open_tasks if t.ref == ref), None)

    # -- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif f.name in _RECORDS:
                value = [item.to_dict() for item in value]
            elif isinstance(value, Assignment):
                value = value.to_dict()
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseState:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue  # written by a newer Zaadje; ignore rather than refuse the case
            if name in _RECORDS:
                value = tuple(_RECORDS[name].from_dict(item) for item in value)
            elif name in _DATETIMES and value is not None:
                value = datetime.fromisoformat(value)
            elif name == "assignment" and value is not None:
                value = Assignment.from_dict(value)
            values[name] = value
        return cls(**values)


_RECORDS: Final[dict[str, Any]] = {"open_tasks": TaskRef, "attempts": Attempt, "outreach": Outreach}
_DATETIMES: Final = frozenset({"started_at", "closed_at", "reopened_at"})
