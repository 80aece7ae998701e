"""What a caseworker's task outcome does: DDAS attempts, closing, or the next step."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from flows import ladder as ladders
from flows.callbacks import callback_missed
from flows.ddas import (
    AFSPRAAK_OP_LOCATIE,
    DAGDELEN,
    EINDRESULTATEN,
    HUISBEZOEK,
    KAARTJE,
    TELEFOON,
)
from flows.events import (
    TaskOutcome,
)
from flows.flow import CALLBACK as CALLBACK_TASK
from flows.flow import HOME_VISIT, REVIEW, WAIT
from flows.optout import resume_after_stop
from flows.reviews import in_contact
from flows.state import (
    LADDER,
    NEEDS_RESULT,
    NOT_UNDERSTOOD,
    OPT_OUT,
    REASON_CALLBACK,
    STOPPED,
    Attempt,
    TaskRef,
)
from flows.turn import Turn

# The DDAS EnumContactsoort a task's attempt may be recorded as, its default first. A home
# visit may turn out an appointment at a location: the resident came to a meeting place.
SOORTEN_OF_TASK: Final[dict[str, tuple[str, ...]]] = {
    "phone": (TELEFOON,),
    CALLBACK_TASK: (TELEFOON,),
    HOME_VISIT: (HUISBEZOEK, AFSPRAAK_OP_LOCATIE),
}


def soort_error(kind: str, soort: str | None) -> str | None:
    """Why `soort` cannot record an attempt of a `kind` task (None: it can, or none given)."""
    allowed = SOORTEN_OF_TASK.get(kind, ())
    if soort is None or soort in allowed:
        return None
    return (
        f"a {kind} task is recorded as contactsoort {' or '.join(allowed) or 'none'}, not {soort!r}"
    )


def task_outcome(turn: Turn, outcome: TaskOutcome) -> None:
    if outcome.result is not None and outcome.result not in EINDRESULTATEN:
        raise ValueError(f"not a DDAS EnumEindresultaat: {outcome.result!r}")
    state = turn.state
    task = state.task(outcome.task_ref)
    wrong = soort_error(task.kind, outcome.soort) if task is not None else None
    if wrong is not None:
        raise ValueError(wrong)
    if task is None:
        # Decision: an outcome for a task that is no longer open (cancelled by a reply, or
        # reported twice) changes nothing — unless it is a conversation with a result: what
        # a caseworker heard from the resident is the truth, so it closes the case.
        if outcome.reached and outcome.result and not state.closed:
            turn.close(outcome.result)
        return
    turn.forget_task(task.ref)
    if task.kind != REVIEW:
        _record_task_attempt(turn, task, outcome)
    if outcome.result is not None:
        if not state.closed or outcome.result != state.closed_result:
            turn.close(outcome.result)
        return
    if task.reason in (NOT_UNDERSTOOD, NEEDS_RESULT):
        # handled: a next unclear text is acked again
        turn.state = replace(turn.state, not_understood_acked=False)
    if state.closed:
        return
    if task.reason == NEEDS_RESULT:
        turn.set_timer(
            "follow_up",
            turn.cal.add_working_days_at(turn.now, turn.flow.review.follow_up_working_days),
        )
    elif outcome.reached:
        # Decision: reached without a result keeps the case open, stops every automatic
        # step, and asks a person (review task) to record the result. For a review task,
        # "reached" means the caseworker spoke with the resident.
        in_contact(turn, outcome.note or "Inwoner bereikt; leg het eindresultaat vast.")
    elif task.reason == LADDER:
        _ladder_task_missed(turn, task)
    elif task.reason == REASON_CALLBACK:
        callback_missed(turn, task)
    elif task.reason == OPT_OUT and state.stage == STOPPED:
        resume_after_stop(turn)
    _resume_if_paused(turn)


def _record_task_attempt(turn: Turn, task: TaskRef, outcome: TaskOutcome) -> None:
    daypart = outcome.daypart if outcome.daypart in DAGDELEN else None
    dagdeel = daypart or turn.cal.daypart_of(turn.now) or task.daypart
    datum = turn.cal.local_date(turn.now)
    soort = outcome.soort or SOORTEN_OF_TASK[task.kind][0]
    turn.record_attempt(Attempt(task.ref, soort, outcome.reached, datum, dagdeel))
    # A card is left at the door: not when the visit was an appointment somewhere else.
    if soort == HUISBEZOEK and not outcome.reached and _step_leaves_card(turn, task):
        turn.record_attempt(Attempt(f"{task.ref}:card", KAARTJE, False, datum, dagdeel))


def _step_leaves_card(turn: Turn, task: TaskRef) -> bool:
    position = ladders.current_step(turn)
    return position is not None and position[2].id == task.step and position[2].leave_card


def _ladder_task_missed(turn: Turn, task: TaskRef) -> None:
    position = ladders.current_step(turn)
    if position is None or position[2].id != task.step:
        return  # the ladder moved on meanwhile (e.g. a crisis deadline); nothing to advance
    ladder, index, here = position
    since = len(turn.actions)
    ladders.run(turn, ladder, index + 1, turn.now)
    if here.missed_message:
        turn.send_missed_call(here.missed_message, f"{here.id}.missed", since)


def _resume_if_paused(turn: Turn) -> None:
    """A wait that ran out while a caseworker was busy starts afresh once they are done."""
    state = turn.state
    if not state.timer_paused or state.open_tasks:
        return
    position = ladders.current_step(turn)
    if position is not None and position[2].do == WAIT:
        ladders.run(turn, position[0], position[1], turn.now)
