"""Walking a ladder: run steps from a position until one has to wait for the world.

Send and close steps happen at once; a wait step sets the case's timer, a task step creates a
task and waits for its outcome. Steps that cannot work for this resident are skipped: a message
when nothing can reach them (and the waits for a reply to it), a phone task without a number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flows import experiments
from flows.ddas import TELEFOON
from flows.flow import CLOSE, LETTER, PHONE_TASKS, SEND, TASK, WAIT, Ladder, Step
from flows.state import LADDER
from flows.timing import other_daypart, task_window, wait_until
from flows.turn import Turn


def ladder_of(turn: Turn) -> Ladder:
    """The case's ladder; a case that never got one (a reply before planning) gets the
    ladder it would have been planned on."""
    state = turn.state
    name = state.ladder or ("crisis" if state.crisis else "default")
    if state.ladder is None:
        turn.state = replace(turn.state, ladder=name)
    return turn.flow.ladder(name)


def current_step(turn: Turn) -> tuple[Ladder, int, Step] | None:
    """The ladder step the case is at, if its stage is one."""
    if turn.state.ladder is None:
        return None
    ladder = turn.flow.ladder(turn.state.ladder)
    index = ladder.index(turn.state.stage)
    return None if index is None else (ladder, index, ladder.steps[index])


def posted(turn: Turn, key: str) -> None:
    """A letter was posted: when the case waits at the ladder step that sent it, go on."""
    position = current_step(turn)
    if position is None:
        return
    ladder, index, here = position
    if here.do == SEND and here.channel == LETTER:
        run(turn, ladder, index + 1, turn.now)


def run(turn: Turn, ladder: Ladder, index: int, anchor: datetime) -> None:
    """Run `ladder` from step `index`; `anchor` is when the last message could be seen."""
    turn.state = replace(turn.state, ladder=ladder.name)
    steps = ladder.steps
    while index < len(steps):
        step = experiments.effective_step(turn.state.assignment, ladder, steps[index])
        if step.do == SEND and step.channel == LETTER:
            if not turn.state.said_no_thanks:
                assert step.message is not None
                turn.send_letter(step.message, step.id)
                # The ladder goes on once the letter is posted (its batch confirmed).
                turn.enter(step.id)
                return
            index += 1
            while index < len(steps) and steps[index].do == WAIT:
                index += 1
        elif step.do == SEND:
            index += 1
            if message := _send(turn, step):
                anchor = message
            else:
                # Nobody can read it, so nobody can answer it: skip the waits for a reply too.
                while index < len(steps) and steps[index].do == WAIT:
                    index += 1
        elif step.do == WAIT:
            turn.enter(step.id)
            turn.set_timer("wait", wait_until(turn.cal, anchor, step.working_days, step.hours))
            return
        elif step.do == TASK:
            if step.task in PHONE_TASKS and not turn.state.has_phone:
                index += 1
                continue
            turn.enter(step.id)
            enter_task(turn, step)
            return
        elif step.do == CLOSE:
            assert step.result is not None  # guaranteed by the loader
            turn.close(step.result)
            return
    raise AssertionError(f"ladder {ladder.name} ran past its end")  # the loader forbids it


def _send(turn: Turn, step: Step) -> datetime | None:
    """A ladder message; once a resident said "no thanks", only one gentle welcome-back."""
    assert step.message is not None
    state = turn.state
    key = step.message
    if state.said_no_thanks:
        if state.welcome_back_sent:
            return None
        key = turn.flow.messages.welcome_back
    message = turn.send(key, step.id, outreach=True)
    if message is None:
        return None
    if state.said_no_thanks:
        turn.state = replace(turn.state, welcome_back_sent=True)
    return message.not_before


def enter_task(turn: Turn, step: Step) -> None:
    assert step.task is not None
    daypart = _daypart(turn, step.daypart)
    not_before, due = task_window(
        turn.cal, turn.now, step.start_working_days, step.due_working_days, daypart
    )
    turn.create_task(
        step.task,
        LADDER,
        due=due,
        not_before=not_before,
        step=step.id,
        daypart=daypart,
        priority_boost=step.priority_boost,
    )
    if step.deadline_working_days:
        turn.set_timer(
            "deadline", turn.cal.add_working_days_at(turn.now, step.deadline_working_days)
        )


def _daypart(turn: Turn, rule: str) -> str | None:
    if rule == "any":
        return None
    if rule == "preferred":
        return turn.state.preferred_daypart
    if rule == "other":
        # Divosa: calls on different dayparts reach more people than the same one twice.
        tried = [a.dagdeel for a in turn.state.attempts if a.soort == TELEFOON]
        return other_daypart(tried)
    return rule
