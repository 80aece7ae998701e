"""Two events that used to be written around the engine: an erasure closes a case, a linked
chat moves its messages to the chat. Both now go through `step` like every change."""

from __future__ import annotations

from flows import CancelTask, CloseCase, Delivered, Planned, SendMessage, TaskOutcome
from flows.events import ChatLinked, Erased
from tests.flows.flows_kit import at, new_case


def test_an_erased_case_closes_without_a_result_and_its_tasks_are_cancelled() -> None:
    case = new_case(at(2025, 3, 3, 10))
    case.apply(Planned())
    case.fire()  # reminder
    case.fire()  # a phone task
    phone = case.open_task("phone")
    version = case.state.timer_version
    actions = case.apply(Erased(), at(2025, 3, 11, 9))
    assert case.state.closed and case.state.closed_result is None
    assert case.state.closed_at == at(2025, 3, 11, 9)
    assert case.of(actions, CancelTask) == [CancelTask(phone.ref)]
    assert not case.of(actions, CloseCase)  # no DDAS result: nobody reached anyone
    assert case.state.open_tasks == () and case.state.timer_version > version
    # A late event finds the case closed: nothing re-opens or sends.
    late = case.apply(TaskOutcome(phone.ref, reached=True), at(2025, 3, 12, 9))
    assert not case.of(late, SendMessage) and case.state.closed


def test_erasing_a_closed_case_changes_nothing() -> None:
    case = new_case(at(2025, 3, 3, 10))
    case.apply(Planned())
    case.apply(Erased())
    closed = case.state
    assert case.apply(Erased(), at(2025, 4, 1)) == [] and case.state == closed


def test_a_linked_chat_takes_the_case_s_next_messages() -> None:
    case = new_case(at(2025, 3, 3, 10), has_phone=True)
    [first] = case.of(case.apply(Planned()), SendMessage)
    case.apply(Delivered(first.idempotency_key))
    assert case.state.channel == "sms"
    assert case.apply(ChatLinked("telegram")) == []
    assert case.state.channel == "telegram" and case.state.can_message
