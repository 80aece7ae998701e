"""Carrying out the engine's actions: every action type the engine can produce has a handler,
and what each handler takes is what the database is given."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, get_args

import pytest

from casework.effects import Effects
from flows import CaseState
from flows.actions import (
    Action,
    AddTaskNote,
    CancelTask,
    CloseCase,
    CreateTask,
    LiftOptOut,
    OptOutAddress,
    RecordAttempt,
    ReopenCase,
    SendMessage,
    SetLocale,
    SetTimer,
    WithdrawMessages,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ROW = SimpleNamespace(
    id=7, priority=40, contact_phone="+31612345678", telegram_chat_id=None, sms_only=False
)
STATE = CaseState(case_id="7", has_phone=True)

# One example of every action type. A new type in `flows.actions.Action` fails the first test
# until it has an example here, and so a handler in casework/effects.py (mypy's assert_never
# checks the same at type-check time).
EXAMPLES: dict[type[Any], Action] = {
    SendMessage: SendMessage("sms.first_contact", "7:first_contact:1", NOW, "nl", {"n": 2}),
    CreateTask: CreateTask("7:phone:1", "phone", NOW, priority_boost=5),
    CancelTask: CancelTask("7:phone:1"),
    WithdrawMessages: WithdrawMessages(("7:reminder:2",)),
    AddTaskNote: AddTaskNote("7:review:1", "Nog een bericht."),
    SetTimer: SetTimer("wait", NOW, 3),
    RecordAttempt: RecordAttempt("7:attempt:1", "Telefoon", False, date(2026, 11, 2), "Ochtend"),
    CloseCase: CloseCase("Definitief geen contact kunnen krijgen"),
    ReopenCase: ReopenCase(),
    OptOutAddress: OptOutAddress(),
    LiftOptOut: LiftOptOut(),
    SetLocale: SetLocale("tr"),
}


def test_every_action_type_has_an_example_and_a_handler() -> None:
    assert set(EXAMPLES) == set(get_args(Action))
    effects = Effects(NOW)
    for action in EXAMPLES.values():
        effects.collect(ROW, STATE, action)  # raises for a type nobody handles


def test_an_unknown_action_is_refused_not_dropped() -> None:
    with pytest.raises(AssertionError):
        Effects(NOW).collect(ROW, STATE, object())  # type: ignore[arg-type]


def test_each_action_lands_where_the_database_is_given_it() -> None:
    effects = Effects(NOW)
    said = [effects.collect(ROW, STATE, action) for action in EXAMPLES.values()]
    (message,) = effects.outbox
    assert (message["channel"], message["to_address"], message["status"]) == (
        "sms",
        "+31612345678",
        "pending",
    )
    assert message["values"] == {"n": 2} and message["case_id"] == 7
    (task,) = effects.tasks
    assert (task["kind"], task["priority"], task["status"]) == ("phone", 45, "open")
    assert effects.cancelled == ["7:phone:1"] and effects.withdrawn == ["7:reminder:2"]
    assert [n.ref for n in effects.notes] == ["7:review:1"]
    assert [(a["soort"], a["bereikt"]) for a in effects.attempts] == [("Telefoon", False)]
    assert [add for _, add in effects.opt_outs] == [True, False]
    assert effects.closed == 1
    assert "send sms.first_contact" in said and "language tr" in said


def test_a_message_for_a_case_without_any_address_is_named_not_queued() -> None:
    effects = Effects(NOW)
    nowhere = SimpleNamespace(id=8, priority=0, contact_phone=None, telegram_chat_id=None)
    said = effects.collect(nowhere, CaseState(case_id="8"), EXAMPLES[SendMessage])
    assert said == "no address for sms.first_contact" and effects.outbox == []
