"""A fake-clock driver for the flow engine: apply events, fire timers, look at what came out.

Imported by the test modules (a uniquely named helper rather than conftest.py, which every room
has and which must not be imported by name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from clock import Calendar
from flows import (
    Action,
    CaseState,
    CreateTask,
    Event,
    Flow,
    SendMessage,
    SetTimer,
    TaskOutcome,
    Timeout,
    load_flow,
    step,
)
from flows.state import TaskRef

TZ = ZoneInfo("Europe/Amsterdam")
CAL = Calendar()  # one instance: its holiday table is cached
FLOW = load_flow()

A = TypeVar("A")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local Amsterdam moment."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


class Driver:
    """One case, driven event by event; keeps every action and the running timer."""

    def __init__(self, state: CaseState, now: datetime, flow: Flow = FLOW) -> None:
        self.state = state
        self.now = now
        self.flow = flow
        self.log: list[Action] = []
        self.last: list[Action] = []
        self.timer: SetTimer | None = None

    def apply(self, event: Event, when: datetime | None = None) -> list[Action]:
        if when is not None:
            self.now = when
        self.state, self.last = step(self.state, event, self.now, CAL, self.flow)
        self.log.extend(self.last)
        for action in self.last:
            if isinstance(action, SetTimer):
                self.timer = action
        return self.last

    def fire(self, when: datetime | None = None) -> list[Action]:
        """The running timer goes off at its due time (or `when`)."""
        assert self.timer is not None, "no timer running"
        timer = self.timer
        return self.apply(Timeout(timer.version, timer.name), when or timer.due)

    def outcome(
        self, kind: str, reached: bool, when: datetime | None = None, **kwargs: Any
    ) -> list[Action]:
        return self.apply(TaskOutcome(self.open_task(kind).ref, reached, **kwargs), when)

    def open_task(self, kind: str) -> TaskRef:
        tasks = [t for t in self.state.open_tasks if t.kind == kind]
        assert tasks, f"no open {kind} task in {self.state.open_tasks}"
        return tasks[-1]

    # -- looking at actions -------------------------------------------------------------
    @staticmethod
    def of(actions: list[Action], cls: type[A]) -> list[A]:
        return [a for a in actions if isinstance(a, cls)]

    def sent(self, actions: list[Action] | None = None) -> list[str]:
        return [a.key for a in self.of(self.last if actions is None else actions, SendMessage)]

    def created(self, actions: list[Action] | None = None) -> list[CreateTask]:
        return self.of(self.last if actions is None else actions, CreateTask)


def new_case(now: datetime | None = None, flow: Flow = FLOW, **state: Any) -> Driver:
    case_id = state.pop("case_id", "c1")
    return Driver(CaseState(case_id=case_id, **state), now or at(2025, 3, 3), flow)
