"""The flow definition: the shipped ladders, a municipality's overrides, and their validation.

Ladders are data (`ladders.toml`) so that a municipality can change a wait or a due time without
touching code. Everything is validated once, at load time, with errors that name the exact key
(`flows.ladders.default.steps.wait_first.working_days: ...`), so a typo in a config file is
found when Zaadje starts rather than when the first resident is three steps down the ladder.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from flows.ddas import DAGDELEN, EINDRESULTATEN, V12_OF

SEND: Final = "send"
WAIT: Final = "wait"
TASK: Final = "task"
CLOSE: Final = "close"

PHONE: Final = "phone"
CALLBACK: Final = "callback"
HOME_VISIT: Final = "home_visit"
REVIEW: Final = "review"
TASK_KINDS: Final = (PHONE, CALLBACK, HOME_VISIT, REVIEW)
# Tasks that need a telephone number; the others only need the address we always have.
PHONE_TASKS: Final = frozenset({PHONE, CALLBACK})

# Channels of a send step: "sms" is the case's own message channel (SMS, or its linked chat);
# "letter" goes by post (printed in the coordinators' daily batch).
MESSAGE: Final = "sms"
LETTER: Final = "letter"
SEND_CHANNELS: Final = (MESSAGE, LETTER)

DAYPART_RULES: Final = ("any", "other", "preferred", *DAGDELEN)
REQUIRED_LADDERS: Final = ("default", "crisis", "welcome_back", "no_phone")
# Wgs art. 4: a threatening situation gets a first conversation within 3 working days.
CRISIS_FIRST_ATTEMPT_WORKING_DAYS: Final = 3

_MESSAGE_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


class FlowError(ValueError):
    """A flow definition that cannot be used; the message starts with the offending key."""


@dataclass(frozen=True)
class Step:
    id: str
    do: str
    message: str | None = None
    channel: str = MESSAGE
    working_days: int = 0
    hours: float = 0.0
    task: str | None = None
    due_working_days: int = 0
    start_working_days: int = 0
    daypart: str = "any"
    missed_message: str | None = None
    leave_card: bool = False
    deadline_working_days: int | None = None
    priority_boost: int = 0
    result: str | None = None


@dataclass(frozen=True)
class Ladder:
    name: str
    steps: tuple[Step, ...]

    def index(self, step_id: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.id == step_id:
                return i
        return None


@dataclass(frozen=True)
class Messages:
    """Catalogue keys of the messages that are answers rather than ladder steps."""

    menu: str
    ask_daypart: str
    callback_confirmed: str
    no_thanks: str
    already_arranged: str
    optout_confirmed: str
    start: str
    help: str
    not_understood: str
    language_changed: str
    after_missed_call: str
    welcome_back: str


@dataclass(frozen=True)
class Results:
    no_thanks: str
    already_arranged: str


@dataclass(frozen=True)
class CallbackRules:
    ask_daypart_working_days: int
    due_working_days: int
    attempts: int
    then: str
    missed_message: str | None


@dataclass(frozen=True)
class ReviewRules:
    due_working_days: int
    follow_up_working_days: int


@dataclass(frozen=True)
class Flow:
    ladders: tuple[Ladder, ...]
    messages: Messages
    results: Results
    callback: CallbackRules
    review: ReviewRules
    reopen_within_months: int
    # A letter beside the first SMS (a municipality's choice; letters always go to a case
    # without a usable mobile number).
    letter_with_first_contact: bool = False

    def ladder(self, name: str) -> Ladder:
        for ladder in self.ladders:
            if ladder.name == name:
                return ladder
        raise KeyError(name)


# -- loading ------------------------------------------------------------------------------
@cache
def default_definition() -> dict[str, Any]:
    text = resources.files("flows").joinpath("ladders.toml").read_text("utf-8")
    return tomllib.loads(text)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`: tables merge key by key, anything else (lists too) replaces."""
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_flow(overrides: Mapping[str, Any] | None = None) -> Flow:
    """The shipped flow with the municipality's `[flows]` table merged over it, validated."""
    if overrides is not None and not isinstance(overrides, Mapping):
        raise FlowError("flows: must be a table")
    definition = deep_merge(default_definition(), overrides or {})
    return parse_flow(definition)


def parse_flow(definition: Mapping[str, Any]) -> Flow:
    path = "flows"
    _only(
        definition,
        path,
        {
            "reopen_within_months",
            "letter_with_first_contact",
            "messages",
            "results",
            "callback",
            "review",
            "ladders",
        },
    )
    ladders_raw = _table(definition, "ladders", path)
    ladders = tuple(
        _ladder(name, _table(ladders_raw, name, f"{path}.ladders"), f"{path}.ladders.{name}")
        for name in ladders_raw
    )
    for name in REQUIRED_LADDERS:
        if name not in ladders_raw:
            raise FlowError(f"{path}.ladders.{name}: this ladder is required")
    flow = Flow(
        ladders=ladders,
        messages=_messages(_table(definition, "messages", path), f"{path}.messages"),
        results=_results(_table(definition, "results", path), f"{path}.results"),
        callback=_callback(_table(definition, "callback", path), f"{path}.callback"),
        review=_review(_table(definition, "review", path), f"{path}.review"),
        reopen_within_months=_int(definition, "reopen_within_months", path),
        letter_with_first_contact=_bool(definition, "letter_with_first_contact", path),
    )
    if flow.ladder("default").index(flow.callback.then) is None:
        raise FlowError(
            f"{path}.callback.then: no step {flow.callback.then!r} in the default ladder"
        )
    _check_crisis(flow.ladder("crisis"), f"{path}.ladders.crisis")
    return flow


# -- sections -----------------------------------------------------------------------------
def _messages(raw: Mapping[str, Any], path: str) -> Messages:
    names = tuple(Messages.__dataclass_fields__)
    _only(raw, path, set(names))
    return Messages(**{name: _required_key(raw, name, path) for name in names})


def _results(raw: Mapping[str, Any], path: str) -> Results:
    _only(raw, path, {"no_thanks", "already_arranged"})
    return Results(_result(raw, "no_thanks", path), _result(raw, "already_arranged", path))


def _callback(raw: Mapping[str, Any], path: str) -> CallbackRules:
    _only(raw, path, set(CallbackRules.__dataclass_fields__))
    then = raw.get("then")
    if not isinstance(then, str) or not then:
        raise FlowError(f"{path}.then: must be the id of a ladder step, got {then!r}")
    return CallbackRules(
        ask_daypart_working_days=_int(raw, "ask_daypart_working_days", path, minimum=1),
        due_working_days=_int(raw, "due_working_days", path),
        attempts=_int(raw, "attempts", path, minimum=1),
        then=then,
        missed_message=_message_key(raw, "missed_message", path),
    )


def _review(raw: Mapping[str, Any], path: str) -> ReviewRules:
    _only(raw, path, set(ReviewRules.__dataclass_fields__))
    return ReviewRules(
        due_working_days=_int(raw, "due_working_days", path),
        follow_up_working_days=_int(raw, "follow_up_working_days", path, minimum=1),
    )


_STEP_KEYS: Final[dict[str, set[str]]] = {
    SEND: {"message", "channel"},
    WAIT: {"working_days", "hours"},
    TASK: {
        "task",
        "due_working_days",
        "start_working_days",
        "daypart",
        "missed_message",
        "leave_card",
        "deadline_working_days",
        "priority_boost",
    },
    CLOSE: {"result"},
}


def _ladder(name: str, raw: Mapping[str, Any], path: str) -> Ladder:
    _only(raw, path, {"order", "steps"})
    order = raw.get("order")
    if not isinstance(order, list) or not order or not all(isinstance(s, str) for s in order):
        raise FlowError(f"{path}.order: must be a non-empty list of step ids")
    if len(set(order)) != len(order):
        raise FlowError(f"{path}.order: a step appears twice")
    steps_raw = _table(raw, "steps", path)
    steps: list[Step] = []
    for step_id in order:
        if step_id not in steps_raw:
            raise FlowError(f"{path}.order: no step {step_id!r} under {path}.steps")
        steps.append(
            _step(step_id, _table(steps_raw, step_id, f"{path}.steps"), f"{path}.steps.{step_id}")
        )
    for step in steps[:-1]:
        if step.do == CLOSE:
            raise FlowError(f"{path}.order: steps after the close step {step.id!r} never run")
    if steps[-1].do != CLOSE:
        raise FlowError(f'{path}.order: the last step must close the case (do = "close")')
    return Ladder(name, tuple(steps))


def _step(step_id: str, raw: Mapping[str, Any], path: str) -> Step:
    do = raw.get("do")
    if do not in _STEP_KEYS:
        raise FlowError(f"{path}.do: must be one of {sorted(_STEP_KEYS)}, got {do!r}")
    _only(raw, path, {"do"} | _STEP_KEYS[do])
    if do == SEND:
        channel = raw.get("channel", MESSAGE)
        if channel not in SEND_CHANNELS:
            raise FlowError(
                f"{path}.channel: must be one of {list(SEND_CHANNELS)}, got {channel!r}"
            )
        return Step(step_id, do, message=_required_key(raw, "message", path), channel=channel)
    if do == WAIT:
        step = Step(
            step_id,
            do,
            working_days=_int(raw, "working_days", path, default=0),
            hours=_number(raw, "hours", path),
        )
        if step.working_days == 0 and step.hours == 0:
            raise FlowError(f"{path}: a wait needs working_days or hours")
        return step
    if do == CLOSE:
        return Step(step_id, do, result=_result(raw, "result", path))
    task = raw.get("task")
    if task not in TASK_KINDS:
        raise FlowError(f"{path}.task: must be one of {list(TASK_KINDS)}, got {task!r}")
    daypart = raw.get("daypart", "any")
    if daypart not in DAYPART_RULES:
        raise FlowError(f"{path}.daypart: must be one of {list(DAYPART_RULES)}, got {daypart!r}")
    leave_card = _bool(raw, "leave_card", path)
    start = _int(raw, "start_working_days", path, default=0)
    due = _int(raw, "due_working_days", path)
    if due < start:
        raise FlowError(f"{path}.due_working_days: must not be before start_working_days")
    deadline = raw.get("deadline_working_days")
    return Step(
        step_id,
        do,
        task=task,
        due_working_days=due,
        start_working_days=start,
        daypart=daypart,
        missed_message=_message_key(raw, "missed_message", path),
        leave_card=leave_card,
        deadline_working_days=None
        if deadline is None
        else _int(raw, "deadline_working_days", path, minimum=1),
        priority_boost=_int(raw, "priority_boost", path, default=0),
    )


def _check_crisis(ladder: Ladder, path: str) -> None:
    """The first attempt must fall within the Wgs deadline, with or without a phone number."""
    tasks = [s for s in ladder.steps if s.do == TASK]
    without_phone = [s for s in tasks if s.task not in PHONE_TASKS]
    for first in tasks[:1] + without_phone[:1]:
        if first.due_working_days > CRISIS_FIRST_ATTEMPT_WORKING_DAYS:
            raise FlowError(
                f"{path}.steps.{first.id}.due_working_days: a crisis case needs a first "
                f"attempt within {CRISIS_FIRST_ATTEMPT_WORKING_DAYS} working days (Wgs art. 4)"
            )
    if not without_phone:
        raise FlowError(f"{path}: needs a task that works without a phone number (home_visit)")


# -- typed getters that name the key ------------------------------------------------------
def _only(raw: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            raise FlowError(f"{path}.{key}: unknown key (expected one of {sorted(allowed)})")


def _table(raw: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise FlowError(f"{path}.{key}: must be a table")
    return value


def _int(
    raw: Mapping[str, Any],
    key: str,
    path: str,
    *,
    minimum: int = 0,
    default: int | None = None,
) -> int:
    value = raw.get(key, default)
    # bool is an int in Python; `true` for a number of days is a mistake, not 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise FlowError(f"{path}.{key}: must be a whole number >= {minimum}, got {value!r}")
    return value


def _bool(raw: Mapping[str, Any], key: str, path: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise FlowError(f"{path}.{key}: must be true or false, got {value!r}")
    return value


def _number(raw: Mapping[str, Any], key: str, path: str) -> float:
    value = raw.get(key, 0)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise FlowError(f"{path}.{key}: must be a number >= 0, got {value!r}")
    return float(value)


def _message_key(raw: Mapping[str, Any], key: str, path: str) -> str | None:
    """An optional catalogue key; absent or "" switches the message off."""
    if raw.get(key) in (None, ""):
        return None
    return _required_key(raw, key, path)


def _required_key(raw: Mapping[str, Any], key: str, path: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not _MESSAGE_KEY.match(value):
        raise FlowError(f"{path}.{key}: must be a catalogue key like 'sms.reminder', got {value!r}")
    return value


def _result(raw: Mapping[str, Any], key: str, path: str) -> str:
    value = raw.get(key)
    # A municipality's settings written in DDAS v0.9 words keep working, read as v1.2.
    value = V12_OF.get(value, value) if isinstance(value, str) else value
    if value not in EINDRESULTATEN:
        raise FlowError(f"{path}.{key}: must be a DDAS EnumEindresultaat, got {value!r}")
    return str(value)
