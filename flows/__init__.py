"""Flows: the outreach ladders as data, the pure flow engine, and reply intents.

    flow = load_flow(municipality_config.get("flows"))
    state, actions = step(state, Reply("1"), now, calendar, flow)

Nothing here does I/O beyond reading its own shipped TOML files once; the engine is a pure
function of (case state, event, now, calendar, flow).
"""

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
from flows.engine import step
from flows.events import (
    Delivered,
    Event,
    Failed,
    LanguageChange,
    NewSignal,
    OptIn,
    OptOut,
    Planned,
    Reply,
    TaskOutcome,
    Timeout,
    VariantStopped,
)
from flows.flow import Flow, FlowError, load_flow
from flows.intents import LOCALES, Intent, IntentKind, parse_intent
from flows.replies import expecting
from flows.state import Attempt, CaseState, TaskRef

__all__ = [
    "LOCALES",
    "Action",
    "AddTaskNote",
    "Attempt",
    "CancelTask",
    "CaseState",
    "CloseCase",
    "CreateTask",
    "Delivered",
    "Event",
    "Failed",
    "Flow",
    "FlowError",
    "Intent",
    "IntentKind",
    "LanguageChange",
    "LiftOptOut",
    "NewSignal",
    "OptIn",
    "OptOut",
    "OptOutAddress",
    "Planned",
    "RecordAttempt",
    "ReopenCase",
    "Reply",
    "SendMessage",
    "SetLocale",
    "SetTimer",
    "TaskOutcome",
    "TaskRef",
    "Timeout",
    "VariantStopped",
    "WithdrawMessages",
    "expecting",
    "load_flow",
    "parse_intent",
    "step",
]
