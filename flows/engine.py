"""The flow engine: (case state, event, now, calendar, flow) -> (new state, actions).

Pure: no clock of its own, no database, no I/O. The caller applies events for one case one at
a time (under a lock on the case), stores the new state and carries out the actions.
The handlers live in small modules (replies, callbacks, outcomes, optout, reviews); design
decisions where practice had to choose are marked "Decision:" there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import assert_never

from clock import Calendar
from flows import experiments
from flows import ladder as ladders
from flows.actions import Action, ReopenCase
from flows.callbacks import create_callback
from flows.ddas import BRIEF
from flows.events import (
    ChatLinked,
    Delivered,
    Erased,
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
from flows.flow import LETTER, SEND, TASK, WAIT, Flow
from flows.intents import parse_intent
from flows.optout import opt_in, opt_out
from flows.outcomes import task_outcome
from flows.replies import expecting, language, reply
from flows.reviews import review
from flows.state import (
    ASK_DAYPART,
    CLOSED,
    IN_CONTACT,
    LADDER,
    NEEDS_RESULT,
    NEW,
    Attempt,
    CaseState,
)
from flows.timing import add_months, wait_until
from flows.turn import Turn

NO_PHONE = "no_phone"
LETTER_FIRST_CONTACT = "letter.first_contact"


def step(
    state: CaseState, event: Event, now: datetime, calendar: Calendar, flow: Flow
) -> tuple[CaseState, list[Action]]:
    """Apply one event. Deterministic: the same inputs always give the same outputs."""
    turn = Turn(state, now, calendar, flow)
    match event:
        case Planned():
            _planned(turn)
        case Delivered(idempotency_key=key):
            _delivered(turn, key)
        case Failed(permanent=permanent):
            if permanent:
                _failed_for_good(turn)
            # Decision: a temporary failure is the outbox's to retry; the ladder is unaffected.
        case Reply(text=text, intent=intent):
            reply(turn, text, intent or parse_intent(text, expecting(turn.state)))
        case Timeout(timer_version=version, name=name):
            if version == turn.state.timer_version and not turn.state.closed:
                _timeout(turn, name)
        case TaskOutcome():
            task_outcome(turn, event)
        case OptOut():
            opt_out(turn, confirm=False, note="Het kanaal meldt dat de inwoner ons blokkeert.")
        case OptIn():
            opt_in(turn, confirm=False)
        case LanguageChange(locale=locale):
            language(turn, locale, confirm_same=False)
        case NewSignal(crisis=crisis):
            _new_signal(turn, crisis)
        case VariantStopped():
            _variant_stopped(turn)
        case ChatLinked(channel=channel):
            turn.state = replace(turn.state, channel=channel)
        case Erased():
            _erased(turn)
        case _:
            assert_never(event)
    return turn.state, turn.actions


def _planned(turn: Turn) -> None:
    state = turn.state
    if state.stage != NEW:
        return  # already under way (or stopped): planning twice must not start twice
    if state.crisis:
        name = "crisis"
    elif state.said_no_thanks:
        name = "welcome_back"
    elif not state.can_message or state.opted_out:
        name = NO_PHONE  # no usable mobile number: a letter first
    else:
        name = experiments.first_ladder(state.assignment)
    turn.state = replace(turn.state, started_at=turn.now)
    if name not in ("crisis", "welcome_back", NO_PHONE) and turn.flow.letter_with_first_contact:
        turn.send_letter(LETTER_FIRST_CONTACT, "letter_first_contact")
    # Decision: a resident who opted out earlier (the opt-out is global) still gets the
    # people on the ladder — calls and a home visit — but no message: the send steps skip.
    ladders.run(turn, turn.flow.ladder(name), 0, turn.now)


def _new_signal(turn: Turn, crisis: bool) -> None:
    state = turn.state
    if state.closed:
        assert state.closed_at is not None
        recent = turn.now <= add_months(state.closed_at, turn.flow.reopen_within_months)
        turn.actions.append(ReopenCase())
        turn.enter(NEW)
        turn.state = replace(
            turn.state,
            ladder=None,
            crisis=crisis,
            closed_result=None,
            closed_at=None,
            reopened_at=turn.now,
            callback_misses=0,
            preferred_daypart=None,
            messaging_failed=False,
            not_understood_acked=False,
            started_at=None,
            # Decision: what the resident told us is remembered for the re-open window only;
            # after that the new signal is a fresh start.
            said_no_thanks=state.said_no_thanks and recent,
            welcome_back_sent=state.welcome_back_sent and recent,
        )
        return
    if not crisis or state.crisis:
        return  # the case is already doing what this signal asks for
    turn.state = replace(turn.state, crisis=True)
    position = ladders.current_step(turn)
    if position is not None and position[0].name != "crisis" and position[2].do == WAIT:
        # Decision: a running non-crisis case that is waiting for a reply jumps to the crisis
        # ladder's first task now; an open task keeps its place (the scheduler already ranks
        # the case higher because it is a crisis).
        crisis_ladder = turn.flow.ladder("crisis")
        first_task = next(i for i, s in enumerate(crisis_ladder.steps) if s.do == TASK)
        ladders.run(turn, crisis_ladder, first_task, turn.now)


def _delivered(turn: Turn, key: str) -> None:
    state = turn.state
    sent = next((o for o in state.outreach if o.key == key), None)
    if sent is None or any(a.ref == key for a in state.attempts):
        return  # an answer, not an outreach message; or a duplicate status callback
    turn.record_attempt(
        Attempt(
            key, sent.soort, False, turn.cal.local_date(turn.now), turn.cal.daypart_of(turn.now)
        )
    )
    if sent.soort == BRIEF:
        ladders.posted(turn, key)


def _failed_for_good(turn: Turn) -> None:
    if turn.state.messaging_failed:
        return
    turn.state = replace(turn.state, messaging_failed=True)
    if turn.state.closed:
        return
    position = ladders.current_step(turn)
    if (
        turn.state.ladder not in ("crisis", NO_PHONE)
        and position is not None
        and position[2].do == WAIT
    ):
        # The number the provider rejects is no usable mobile number: the case goes on as one
        # without (a letter, a home visit with a card), not to calls of a number that failed.
        _without_a_phone(turn)
    elif position is not None and position[2].do == WAIT:
        # Waiting for a reply to a message that never arrived is pointless: move on now.
        ladder, index, _ = position
        ladders.run(turn, ladder, index + 1, turn.now)
    elif turn.state.stage == ASK_DAYPART:
        create_callback(turn, None)


def _without_a_phone(turn: Turn) -> None:
    """Continue on the no_phone ladder. A letter sent beside the first SMS is its letter: the
    case waits for it to be posted, or goes on from the post when it already was."""
    ladder = turn.flow.ladder(NO_PHONE)
    letters = [o for o in turn.state.outreach if o.soort == BRIEF]
    if not letters:
        ladders.run(turn, ladder, 0, turn.now)
        return
    first = next(
        (i for i, s in enumerate(ladder.steps) if s.do == SEND and s.channel == LETTER), None
    )
    if first is None:
        ladders.run(turn, ladder, 0, turn.now)
        return
    posted = {a.ref for a in turn.state.attempts} & {o.key for o in letters}
    if posted:
        ladders.run(turn, ladder, first + 1, turn.now)
    else:
        turn.state = replace(turn.state, ladder=ladder.name)
        turn.enter(ladder.steps[first].id)  # the letter's posting moves it on


def _timeout(turn: Turn, name: str) -> None:
    state = turn.state
    position = ladders.current_step(turn)
    if name == "wait" and position is not None and position[2].do == WAIT:
        if state.open_tasks:
            # A caseworker is on it: automatic reminders pause until the task is done.
            turn.state = replace(turn.state, timer_paused=True)
            return
        ladder, index, _ = position
        ladders.run(turn, ladder, index + 1, turn.now)
    elif name == "deadline" and position is not None and position[2].do == TASK:
        # Nobody reported an outcome in time (crisis): stop waiting for it and escalate.
        ladder, index, here = position
        for task in state.tasks(LADDER):
            if task.step == here.id:
                turn.cancel_task(task.ref)
        ladders.run(turn, ladder, index + 1, turn.now)
    elif name == "daypart" and state.stage == ASK_DAYPART:
        create_callback(turn, None)  # they asked for a call; don't let it hang on a daypart
    elif name == "follow_up" and state.stage == IN_CONTACT:
        review(turn, NEEDS_RESULT, "Nog geen eindresultaat vastgelegd.")


def _erased(turn: Turn) -> None:
    """Decision: an erased case closes without a result (nobody reached or helped anyone; the
    monitor leaves it out), its tasks are cancelled and its timer goes stale, so that a late
    event (a delivery report, a task outcome) finds a closed case instead of re-opening it."""
    if turn.state.closed:
        return
    turn.cancel_tasks()
    turn.enter(CLOSED)
    turn.state = replace(turn.state, closed_at=turn.now, closed_result=None)


def _variant_stopped(turn: Turn) -> None:
    """Decision: a case finishes on the default ladder from where it stands. On the variant's
    own ladder it moves to the default ladder's step of the same id (when there is none it
    finishes the ladder it is on); waiting on the variant's wait, it waits the default time
    from the same message instead."""
    assignment = turn.state.assignment
    if assignment is None or assignment.stopped:
        return
    turn.state = replace(turn.state, assignment=replace(assignment, stopped=True))
    position = ladders.current_step(turn)
    if turn.state.closed or position is None:
        return  # not started yet (it starts on the default ladder now), or past the ladder
    ladder, _, here = position
    default = turn.flow.ladder(experiments.DEFAULT_LADDER)
    if ladder.name != default.name:
        if ladder.name == assignment.ladder and default.index(here.id) is not None:
            turn.state = replace(turn.state, ladder=default.name)
        return
    if here.id == assignment.step and here.do == WAIT:
        sent = turn.state.outreach
        anchor = sent[-1].at if sent else turn.now
        turn.set_timer("wait", wait_until(turn.cal, anchor, here.working_days, here.hours))
