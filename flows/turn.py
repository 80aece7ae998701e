"""One engine step in the making: the state so far and the actions decided so far.

Handlers change a case through these few methods only, so the invariants live in one place:
every message passes the opt-out and contact-hour rules, every key and ref comes from a counter
in the state, every change of stage invalidates the running timer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from clock import Calendar
from flows.actions import (
    Action,
    CancelTask,
    CloseCase,
    CreateTask,
    RecordAttempt,
    SendMessage,
    SetTimer,
    WithdrawMessages,
)
from flows.ddas import BRIEF
from flows.flow import LETTER, Flow
from flows.state import CLOSED, Attempt, CaseState, Outreach, TaskRef
from flows.timing import send_slot


class Turn:
    def __init__(self, state: CaseState, now: datetime, cal: Calendar, flow: Flow) -> None:
        self.state = state
        self.now = cal.local(now)
        self.cal = cal
        self.flow = flow
        self.actions: list[Action] = []

    # -- messages -------------------------------------------------------------------------
    def send_missed_call(self, key: str, purpose: str, since: int) -> None:
        """After a missed call: say in how many working days we call again.

        Sent only when the step just taken (the actions from index `since` on) planned
        another call; a text promising a call before a home visit would not be true.
        """
        from flows.actions import CreateTask  # local: actions imports nothing of turn

        for action in self.actions[since:]:
            if isinstance(action, CreateTask) and action.kind in ("phone", "callback"):
                start = action.not_before or action.due
                days = self.cal.working_days_between(
                    self.cal.local_date(self.now), self.cal.local_date(start)
                )
                self.send(key, purpose, values={"n": max(1, days)})
                return

    def send(
        self,
        key: str,
        purpose: str,
        *,
        values: dict[str, Any] | None = None,
        outreach: bool = False,
        confirms_opt_out: bool = False,
    ) -> SendMessage | None:
        """Schedule a message at the next contact slot, unless it may not or cannot be sent."""
        state = self.state
        if not state.can_message or (state.opted_out and not confirms_opt_out):
            return None
        seq = state.message_seq + 1
        message = SendMessage(
            key=key,
            idempotency_key=f"{state.case_id}:{purpose}:{seq}",
            not_before=send_slot(self.cal, self.now),
            locale=state.locale,
            values=dict(values or {}),
            confirms_opt_out=confirms_opt_out,
        )
        self.actions.append(message)
        planned = state.outreach
        if outreach:  # a ladder message is a DDAS contact attempt once delivered
            planned = (*planned, Outreach(message.idempotency_key, message.not_before))
        self.state = replace(state, message_seq=seq, outreach=planned)
        return message

    def send_letter(self, key: str, purpose: str) -> SendMessage:
        """A letter by post: it goes into the next print batch, whatever the resident's phone
        or opt-out (a STOP is about automatic messages to a number); it becomes a `Brief`
        contact attempt once its batch is confirmed as posted."""
        state = self.state
        seq = state.message_seq + 1
        letter = SendMessage(
            key=key,
            idempotency_key=f"{state.case_id}:{purpose}:{seq}",
            not_before=send_slot(self.cal, self.now),
            locale=state.locale,
            channel=LETTER,
        )
        self.actions.append(letter)
        planned = (*state.outreach, Outreach(letter.idempotency_key, letter.not_before, BRIEF))
        self.state = replace(state, message_seq=seq, outreach=planned)
        return letter

    def withdraw_queued_outreach(self) -> None:
        """Withdraw ladder messages still waiting for a later contact slot: the resident
        answered, so a reminder tomorrow morning would cross their reply."""
        queued = tuple(o.key for o in self.state.outreach if o.at > self.now)
        if queued:
            self.actions.append(WithdrawMessages(queued))

    # -- tasks ----------------------------------------------------------------------------
    def create_task(
        self,
        kind: str,
        reason: str,
        *,
        due: datetime,
        not_before: datetime | None = None,
        step: str | None = None,
        daypart: str | None = None,
        note: str | None = None,
        priority_boost: int = 0,
    ) -> TaskRef:
        seq = self.state.task_seq + 1
        task = TaskRef(f"{self.state.case_id}:{kind}:{seq}", kind, reason, step, daypart)
        self.actions.append(
            CreateTask(task.ref, kind, due, not_before, daypart, reason, note, priority_boost)
        )
        self.state = replace(self.state, task_seq=seq, open_tasks=(*self.state.open_tasks, task))
        return task

    def forget_task(self, ref: str) -> None:
        """The task is done (its outcome arrived): no longer open, nothing to cancel."""
        self.state = replace(
            self.state, open_tasks=tuple(t for t in self.state.open_tasks if t.ref != ref)
        )

    def cancel_task(self, ref: str) -> None:
        self.actions.append(CancelTask(ref))
        self.forget_task(ref)

    def cancel_tasks(self, *reasons: str) -> None:
        """Cancel the open tasks with these reasons (all open tasks when none are given)."""
        for task in self.state.tasks(*reasons):
            self.cancel_task(task.ref)

    # -- timers and stages ----------------------------------------------------------------
    def enter(self, stage: str) -> None:
        """Move to a stage; whatever timer was running belongs to the old one and goes stale."""
        self.state = replace(
            self.state, stage=stage, timer_version=self.state.timer_version + 1, timer_paused=False
        )

    def set_timer(self, name: str, due: datetime) -> None:
        version = self.state.timer_version + 1
        self.actions.append(SetTimer(name, max(due, self.now), version))
        self.state = replace(self.state, timer_version=version)

    # -- records --------------------------------------------------------------------------
    def record_attempt(self, attempt: Attempt) -> None:
        self.actions.append(
            RecordAttempt(
                attempt.ref, attempt.soort, attempt.bereikt, attempt.datum, attempt.dagdeel
            )
        )
        kept = tuple(a for a in self.state.attempts if a.ref != attempt.ref)
        self.state = replace(self.state, attempts=(*kept, attempt))

    def close(self, result: str) -> None:
        self.cancel_tasks()
        # A letter still waiting for the print batch is not sent to a case that has ended.
        letters = tuple(o.key for o in self.state.outreach if o.soort == BRIEF)
        if letters:
            self.actions.append(WithdrawMessages(letters))
        self.actions.append(CloseCase(result))
        self.enter(CLOSED)
        self.state = replace(
            self.state,
            closed_result=result,
            closed_at=self.now,
            resume_stage=None,
            preferred_daypart=None,
        )
