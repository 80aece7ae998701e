"""Calls the resident asked for: the daypart question, callback tasks, missed callbacks."""

from __future__ import annotations

from dataclasses import replace

from flows import ladder as ladders
from flows.flow import CALLBACK as CALLBACK_TASK
from flows.state import (
    ASK_DAYPART,
    CALLBACK,
    LADDER,
    REASON_CALLBACK,
    TaskRef,
)
from flows.timing import callback_window, task_window
from flows.turn import Turn


def callback_requested(turn: Turn, daypart: str | None) -> None:
    state = turn.state
    turn.state = replace(turn.state, said_no_thanks=False)  # asking for a call is a change of mind
    if daypart is None and state.stage == CALLBACK:
        return  # a call is already planned; another request adds nothing
    # Decision: an open phone or home-visit task is replaced by the call the resident asked
    # for (in the daypart they choose); review tasks stay — a person still reads those.
    turn.cancel_tasks(LADDER, REASON_CALLBACK)
    if daypart is None and state.stage != ASK_DAYPART and _can_ask(turn):
        turn.enter(ASK_DAYPART)
        turn.send(turn.flow.messages.ask_daypart, "ask_daypart")
        turn.set_timer(
            "daypart",
            turn.cal.add_working_days_at(turn.now, turn.flow.callback.ask_daypart_working_days),
        )
        return
    create_callback(turn, daypart)
    if daypart is not None:
        turn.send(
            turn.flow.messages.callback_confirmed, "callback_confirmed", values={"dagdeel": daypart}
        )


def _can_ask(turn: Turn) -> bool:
    return turn.state.can_message and not turn.state.opted_out


def create_callback(turn: Turn, daypart: str | None) -> None:
    turn.cancel_tasks(LADDER, REASON_CALLBACK)
    turn.enter(CALLBACK)
    if daypart is not None:
        not_before, due = callback_window(turn.cal, turn.now, daypart)
    else:
        not_before, due = task_window(
            turn.cal, turn.now, 0, turn.flow.callback.due_working_days, None
        )
    turn.state = replace(turn.state, preferred_daypart=daypart)
    turn.create_task(
        CALLBACK_TASK,
        REASON_CALLBACK,
        due=due,
        not_before=not_before,
        daypart=daypart,
        priority_boost=_boost(turn),
    )


def _boost(turn: Turn) -> int:
    """A callback in a crisis case inherits the crisis ladder's urgency."""
    if not turn.state.crisis:
        return 0
    return max((s.priority_boost for s in turn.flow.ladder("crisis").steps), default=0)


def callback_missed(turn: Turn, task: TaskRef) -> None:
    rules = turn.flow.callback
    misses = turn.state.callback_misses + 1
    turn.state = replace(turn.state, callback_misses=misses)
    if misses < rules.attempts:
        # Same daypart (the resident chose it), on a later working day.
        turn.enter(CALLBACK)
        if task.daypart:
            start, due = callback_window(turn.cal, turn.now, task.daypart, later_day=True)
        else:
            start, due = task_window(turn.cal, turn.now, 1, max(1, rules.due_working_days), None)
        since = len(turn.actions)
        turn.create_task(
            CALLBACK_TASK,
            REASON_CALLBACK,
            due=due,
            not_before=start,
            daypart=task.daypart,
            priority_boost=_boost(turn),
        )
        if rules.missed_message:
            turn.send_missed_call(rules.missed_message, "callback.missed", since)
        return
    # Every callback missed: carry on with the ladder (validated to exist in the default one).
    ladder = ladders.ladder_of(turn)
    if ladder.index(rules.then) is None:
        ladder = turn.flow.ladder("default")
    ladders.run(turn, ladder, ladder.index(rules.then) or 0, turn.now)
