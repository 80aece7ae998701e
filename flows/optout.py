"""STOP and START: the global opt-out, its one confirmation, and the review that follows."""

from __future__ import annotations

from dataclasses import replace

from flows import ladder as ladders
from flows.actions import LiftOptOut, OptOutAddress
from flows.callbacks import create_callback
from flows.reviews import in_contact, review
from flows.state import (
    ASK_DAYPART,
    CALLBACK,
    IN_CONTACT,
    LADDER,
    NEW,
    OPT_OUT,
    REASON_CALLBACK,
    STOPPED,
)
from flows.turn import Turn


def opt_out(turn: Turn, *, confirm: bool, note: str) -> None:
    state = turn.state
    if state.opted_out:
        return  # one confirmation, one review — however often STOP arrives
    turn.actions.append(OptOutAddress())
    if confirm:
        turn.send(turn.flow.messages.optout_confirmed, "optout_confirmed", confirms_opt_out=True)
    turn.state = replace(turn.state, opted_out=True)
    if state.closed:
        return  # nothing left to decide about the case; the address is blocked for good
    # Decision: the ladder halts and planned calls/visits are cancelled; a person decides
    # (review) whether people should still try — automatic messages stay off either way.
    turn.cancel_tasks(LADDER, REASON_CALLBACK)
    if state.stage != STOPPED:
        turn.state = replace(turn.state, resume_stage=state.stage)
        turn.enter(STOPPED)
    if not turn.state.tasks(OPT_OUT):
        review(turn, OPT_OUT, note)


def opt_in(turn: Turn, *, confirm: bool) -> None:
    if turn.state.opted_out:
        turn.actions.append(LiftOptOut())
        turn.state = replace(turn.state, opted_out=False)
    if confirm:
        turn.send(turn.flow.messages.start, "start")


def resume_after_stop(turn: Turn) -> None:
    """The review ended without a result: people carry on where the ladder was halted."""
    target = turn.state.resume_stage or NEW
    turn.state = replace(turn.state, resume_stage=None)
    ladder = turn.flow.ladder(turn.state.ladder) if turn.state.ladder else None
    index = ladder.index(target) if ladder else None
    if ladder is not None and index is not None:
        ladders.run(turn, ladder, index, turn.now)
    elif target in (ASK_DAYPART, CALLBACK):
        create_callback(turn, turn.state.preferred_daypart)
    elif target == IN_CONTACT:
        in_contact(turn, "Inwoner bereikt; leg het eindresultaat vast.")
    else:
        turn.enter(NEW)  # never planned yet: the scheduler plans it like any new case
