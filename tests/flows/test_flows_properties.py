"""Random event sequences: the promises that must hold whatever residents and workers do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from flows import (
    CancelTask,
    CaseState,
    CloseCase,
    CreateTask,
    Delivered,
    Event,
    Failed,
    LanguageChange,
    LiftOptOut,
    NewSignal,
    OptIn,
    OptOut,
    OptOutAddress,
    Planned,
    RecordAttempt,
    Reply,
    SendMessage,
    SetTimer,
    TaskOutcome,
    Timeout,
    step,
)
from flows.ddas import CONTACTSOORTEN, DAGDELEN, EINDRESULTATEN
from flows.flow import TASK_KINDS
from tests.flows.flows_kit import CAL, FLOW, TZ

TEXTS = [
    "1",
    "2",
    "3",
    "1 's avonds",
    "STOP",
    "stop all",
    "Unsubscribe!",
    "START",
    "help",
    "ochtend",
    "middag",
    "morgen",
    "ja",
    "nee",
    "nee bedankt",
    "wie is dit?",
    "English",
    "Türkçe",
    "ar",
    "bel me",
    "al betaald",
    "اتصل بي",
    "wieczorem",
    "стоп",
    "",
    "ok",
]
RESULTS = [
    None,
    None,
    "(Budget)advies en/of quick fix",
    "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
]

# One abstract move; resolved against the current state so that refs and versions are real.
# Timers and task outcomes are listed twice: they are what carries a case down the ladder.
ladder_moves = [
    st.tuples(st.just("timeout"), st.booleans()),
    st.tuples(st.just("outcome"), st.integers(0, 3), st.booleans(), st.sampled_from(RESULTS)),
]
move = st.one_of(
    *ladder_moves,
    st.tuples(st.just("planned")),
    st.tuples(st.just("delivered"), st.integers(0, 5)),
    st.tuples(st.just("failed"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("reply"), st.sampled_from(TEXTS)),
    st.tuples(st.just("timeout"), st.booleans()),
    st.tuples(st.just("outcome"), st.integers(0, 3), st.booleans(), st.sampled_from(RESULTS)),
    st.tuples(st.just("optout")),
    st.tuples(st.just("optin")),
    st.tuples(st.just("language"), st.sampled_from(["nl", "en", "tr", "ar", "pl", "uk", "xx"])),
    st.tuples(st.just("signal"), st.booleans()),
)
moves = st.tuples(
    st.booleans(),  # planned first (usually) or leave it to chance
    st.lists(st.tuples(move, st.integers(0, 6 * 24 * 60)), min_size=1, max_size=50),
).map(lambda pair: ([(("planned",), 0)] if pair[0] else []) + pair[1])


def _later(moment: datetime, minutes: int) -> datetime:
    """Minutes later as a clock counts them. Adding them to a local time moves the wall clock
    instead, and can land in the hour skipped in spring: a moment that never happens."""
    return (moment.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(TZ)


starts = st.integers(0, 2 * 365 * 24 * 60).map(lambda m: _later(datetime(2025, 1, 1, tzinfo=TZ), m))
initial = st.builds(
    lambda crisis, phone, channel: CaseState("p1", crisis=crisis, has_phone=phone, channel=channel),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["sms", "telegram"]),
)


def _event(choice: tuple[object, ...], state: CaseState, keys: list[str]) -> Event:
    kind = choice[0]
    if kind == "planned":
        return Planned()
    if kind in ("delivered", "failed"):
        key = keys[int(choice[1]) % len(keys)] if keys else "none"  # type: ignore[call-overload]
        return Delivered(key) if kind == "delivered" else Failed(key, bool(choice[2]))
    if kind == "reply":
        return Reply(str(choice[1]))
    if kind == "timeout":
        version = state.timer_version if choice[1] else state.timer_version - 1
        return Timeout(version, "wait")
    if kind == "outcome":
        tasks = state.open_tasks
        ref = tasks[int(choice[1]) % len(tasks)].ref if tasks else "c:none"  # type: ignore[call-overload]
        return TaskOutcome(ref, bool(choice[2]), choice[3])  # type: ignore[arg-type]
    if kind == "optout":
        return OptOut()
    if kind == "optin":
        return OptIn()
    if kind == "language":
        return LanguageChange(str(choice[1]))
    return NewSignal(bool(choice[1]))


def _timeout_name(state: CaseState, event: Event, timers: dict[int, str]) -> Event:
    """Use the name of the timer the engine really set for that version."""
    if isinstance(event, Timeout):
        return Timeout(event.timer_version, timers.get(event.timer_version, "wait"))
    return event


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial, starts, moves)
def test_promises_hold_for_any_sequence(
    state: CaseState, now: datetime, sequence: list[tuple[tuple[object, ...], int]]
) -> None:
    seen_keys: dict[str, SendMessage] = {}
    keys: list[str] = []
    timers: dict[int, str] = {}
    opted_out = False
    for choice, minutes in sequence:
        now = _later(now, minutes)
        event = _timeout_name(state, _event(choice, state, keys), timers)
        new_state, actions = step(state, event, now, CAL, FLOW)

        # Deterministic: replaying the same event on the same state gives the same keys.
        assert step(state, event, now, CAL, FLOW) == (new_state, actions)

        open_refs = {t.ref for t in state.open_tasks}
        for action in actions:
            if isinstance(action, OptOutAddress):
                opted_out = True
            elif isinstance(action, LiftOptOut):
                opted_out = False
            elif isinstance(action, SendMessage):
                # Never outside contact hours, never in the past.
                assert CAL.in_contact_hours(action.not_before), action
                assert action.not_before >= now
                # Never after an opt-out (until START), except the one confirmation; a STOP is
                # about messages to a number: a letter by post still goes (issue 14).
                assert not opted_out or action.confirms_opt_out or action.channel == "letter"
                # One key per message, ever.
                assert action.idempotency_key not in seen_keys, action
                seen_keys[action.idempotency_key] = action
                keys.append(action.idempotency_key)
            elif isinstance(action, CreateTask):
                assert action.kind in TASK_KINDS
                assert action.ref not in open_refs
                open_refs.add(action.ref)
                assert action.not_before is None or action.not_before < action.due
            elif isinstance(action, CancelTask):
                assert action.ref in open_refs
                open_refs.discard(action.ref)
            elif isinstance(action, RecordAttempt):
                # DDAS vocabulary only, so the CBS export needs no translation.
                assert action.soort in CONTACTSOORTEN
                assert action.dagdeel is None or action.dagdeel in DAGDELEN
            elif isinstance(action, CloseCase):
                assert action.result in EINDRESULTATEN
            elif isinstance(action, SetTimer):
                assert action.due >= now
                timers[action.version] = action.name
        timer_actions = [a for a in actions if isinstance(a, SetTimer)]
        if timer_actions:  # the timer just set is the live one
            assert timer_actions[-1].version == new_state.timer_version
        assert new_state.timer_version >= state.timer_version
        assert new_state.opted_out == opted_out
        assert len({t.ref for t in new_state.open_tasks}) == len(new_state.open_tasks)

        # The state survives the JSON column.
        stored = json.loads(json.dumps(new_state.to_dict()))
        assert CaseState.from_dict(stored) == new_state
        state = new_state
    # Shown by --hypothesis-show-statistics: the sequences do reach deep into the ladders.
    note_event(f"final stage: {state.stage}")
    note_event(f"messages sent: {min(len(seen_keys), 5)}+")
