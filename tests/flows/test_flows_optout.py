"""STOP at every point of the ladder; START; the provider's own opt-out signals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flows import (
    Action,
    CancelTask,
    LiftOptOut,
    OptIn,
    OptOut,
    OptOutAddress,
    Planned,
    Reply,
    SendMessage,
    TaskOutcome,
    Timeout,
)
from tests.flows.flows_kit import Driver, at, new_case


def _new() -> Driver:
    return new_case(at(2025, 3, 3, 10))


def _planned() -> Driver:
    case = _new()
    case.apply(Planned())
    return case


def _fired(times: int) -> Callable[[], Driver]:
    def make() -> Driver:
        case = _planned()
        for _ in range(times):
            case.fire()
        return case

    return make


def _phone_2() -> Driver:
    case = _fired(2)()
    case.outcome("phone", reached=False, when=at(2025, 3, 10, 11))
    return case


def _home_visit() -> Driver:
    case = _phone_2()
    case.outcome("phone", reached=False, when=at(2025, 3, 12, 13))
    return case


def _card() -> Driver:
    case = _home_visit()
    case.outcome("home_visit", reached=False, when=at(2025, 3, 13, 15))
    return case


def _ask_daypart() -> Driver:
    case = _planned()
    case.apply(Reply("1"), at(2025, 3, 3, 11))
    return case


def _callback() -> Driver:
    case = _ask_daypart()
    case.apply(Reply("avond"), at(2025, 3, 3, 11, 5))
    return case


def _in_contact() -> Driver:
    case = _callback()
    case.outcome("callback", reached=True, when=at(2025, 3, 3, 18))
    return case


def _closed() -> Driver:
    case = _planned()
    case.apply(Reply("3"), at(2025, 3, 3, 11))
    return case


POSITIONS: dict[str, tuple[Callable[[], Driver], str]] = {
    "new": (_new, "new"),
    "wait_first": (_planned, "wait_first"),
    "wait_reminder": (_fired(1), "wait_reminder"),
    "phone_1": (_fired(2), "phone_1"),
    "phone_2": (_phone_2, "phone_2"),
    "home_visit": (_home_visit, "home_visit"),
    "wait_card": (_card, "wait_card"),
    "ask_daypart": (_ask_daypart, "ask_daypart"),
    "callback": (_callback, "callback"),
    "in_contact": (_in_contact, "in_contact"),
    "closed": (_closed, "closed"),
}


def _automatic(actions: list[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and not a.confirms_opt_out]


def _keep_going(case: Driver) -> list[Action]:
    """Everything that could make the engine talk: timers, outcomes, replies, planning."""
    start = len(case.log)
    moment = case.now
    for day in range(1, 25):
        moment = at(2025, 4, 1, 10) if day == 1 else moment.replace(day=min(day + 1, 28))
        case.apply(Planned(), moment)
        if case.timer is not None:
            case.apply(Timeout(case.state.timer_version, case.timer.name), moment)
        for task in case.state.open_tasks:
            if task.kind != "review":
                case.apply(TaskOutcome(task.ref, reached=False), moment)
        case.apply(Reply("1"), moment)
        case.apply(Reply("ochtend"), moment)
        case.apply(Reply("wie is dit"), moment)
        case.apply(Reply("help"), moment)
    return case.log[start:]


@pytest.mark.parametrize("position", POSITIONS)
def test_stop_at_every_point_of_the_ladder(position: str) -> None:
    make, stage = POSITIONS[position]
    case = make()
    assert case.state.stage == stage
    ladder_tasks = [t.ref for t in case.state.open_tasks if t.reason in ("ladder", "callback")]

    actions = case.apply(Reply("STOP"), case.now)

    assert actions.count(OptOutAddress()) == 1
    confirmations = [a for a in actions if isinstance(a, SendMessage)]
    assert [(m.key, m.confirms_opt_out) for m in confirmations] == [("sms.optout_confirmed", True)]
    assert _automatic(actions) == []
    for ref in ladder_tasks:  # planned calls and visits wait for the person's review
        assert CancelTask(ref) in actions
    if position == "closed":
        assert case.created(actions) == []  # nothing to decide about a closed case
    else:
        [review] = case.created(actions)
        assert (review.kind, review.reason) == ("review", "opt_out")
        assert case.state.stage == "stopped"

    # A second STOP: no second confirmation, no second review.
    assert case.apply(Reply("stop")) == []
    # Whatever happens next, no automatic message goes out.
    assert _automatic(_keep_going(case)) == []
    assert case.state.opted_out


def test_start_lifts_the_opt_out() -> None:
    case = _planned()
    case.apply(Reply("STOP"))
    actions = case.apply(Reply("START"))
    assert LiftOptOut() in actions
    assert case.sent(actions) == ["sms.start"]
    assert not case.state.opted_out
    # Messages are possible again (a question is answered) ...
    assert case.sent(case.apply(Reply("help"))) == ["sms.help"]
    # ... but the ladder stays halted until the person's review decides.
    assert case.state.stage == "stopped"


def test_review_without_result_resumes_the_ladder_without_messages() -> None:
    case = _planned()
    case.apply(Reply("STOP"), at(2025, 3, 3, 11))
    actions = case.outcome("review", reached=False, when=at(2025, 3, 4, 10))
    assert case.state.stage == "wait_first"
    assert _automatic(actions) == []
    actions = case.fire()  # the reminder is skipped: straight to the phone
    assert [t.kind for t in case.created(actions)] == ["phone"]
    assert _automatic(actions) == []


def test_review_with_a_result_closes_the_stopped_case() -> None:
    case = _planned()
    case.apply(Reply("STOP"), at(2025, 3, 3, 11))
    actions = case.outcome(
        "review",
        reached=False,
        result="Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
        when=at(2025, 3, 4, 10),
    )
    assert case.state.closed and _automatic(actions) == []


def test_provider_opt_out_sends_no_confirmation() -> None:
    case = _planned()
    actions = case.apply(OptOut())
    assert OptOutAddress() in actions
    assert [a for a in actions if isinstance(a, SendMessage)] == []
    assert [t.reason for t in case.created(actions)] == ["opt_out"]


def test_opt_in_event_lifts_without_a_message() -> None:
    case = _planned()
    case.apply(OptOut())
    assert case.apply(OptIn()) == [LiftOptOut()]


def test_stop_after_start_is_confirmed_again_but_reviewed_once() -> None:
    case = _planned()
    case.apply(Reply("STOP"))
    case.apply(Reply("START"))
    actions = case.apply(Reply("STOP"))
    assert case.sent(actions) == ["sms.optout_confirmed"]
    assert case.created(actions) == []  # the first review is still open


def test_a_resident_who_stopped_can_still_ask_for_a_call() -> None:
    case = _planned()
    case.apply(Reply("STOP"))
    actions = case.apply(Reply("1"))
    # No question by SMS (opted out), but the call they asked for is planned.
    assert _automatic(actions) == []
    assert [t.kind for t in case.created(actions)] == ["callback"]
