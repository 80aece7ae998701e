"""Handing a case to a person: review tasks, and texts the machine should not act on."""

from __future__ import annotations

from dataclasses import replace

from flows.actions import AddTaskNote
from flows.flow import REVIEW
from flows.state import (
    IN_CONTACT,
    LADDER,
    NEEDS_RESULT,
    NOT_UNDERSTOOD,
    REASON_CALLBACK,
)
from flows.timing import task_window
from flows.turn import Turn


def for_a_person(turn: Turn, text: str) -> None:
    """A text the machine should not act on: a person reads it (a review task, or a note on
    the review already open), and the resident hears once that it will be read."""
    open_review = turn.state.tasks(NOT_UNDERSTOOD, NEEDS_RESULT)
    if open_review:
        turn.actions.append(AddTaskNote(open_review[0].ref, text))
    else:
        review(turn, NOT_UNDERSTOOD, text)
    if not turn.state.not_understood_acked and turn.send(
        turn.flow.messages.not_understood, "not_understood"
    ):
        turn.state = replace(turn.state, not_understood_acked=True)


def in_contact(turn: Turn, note: str) -> None:
    """Reached without a result: no more automatic steps; a person records the result."""
    turn.cancel_tasks(LADDER, REASON_CALLBACK)
    turn.enter(IN_CONTACT)
    turn.state = replace(turn.state, resume_stage=None)
    if not turn.state.tasks(NEEDS_RESULT):
        review(turn, NEEDS_RESULT, note)


def review(turn: Turn, reason: str, note: str) -> None:
    """A review task, due at the end of the configured working day."""
    not_before, due = task_window(turn.cal, turn.now, 0, turn.flow.review.due_working_days, None)
    turn.create_task(REVIEW, reason, due=due, not_before=not_before, note=note)
