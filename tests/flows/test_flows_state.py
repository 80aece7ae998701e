"""CaseState to and from the JSON column."""

from __future__ import annotations

import json
from datetime import date

from flows import CaseState, Planned, Reply, TaskOutcome
from flows.state import Attempt, TaskRef
from tests.flows.flows_kit import at, new_case


def test_a_rich_state_round_trips_through_json() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)
    case.apply(Planned())
    case.apply(TaskOutcome(case.open_task("phone").ref, reached=False), at(2025, 3, 3, 15))
    case.apply(Reply("wie is dit?"))
    state = case.state
    assert state.attempts and state.open_tasks and state.outreach
    text = json.dumps(state.to_dict())
    assert CaseState.from_dict(json.loads(text)) == state


def test_the_dict_holds_only_json_types() -> None:
    state = CaseState(
        "c9",
        attempts=(Attempt("r", "Telefoon", True, date(2025, 1, 2), "Ochtend"),),
        open_tasks=(TaskRef("c9:phone:1", "phone", "ladder", "phone_1", None),),
        closed_at=at(2025, 1, 3),
    )
    data = state.to_dict()

    def check(value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                assert isinstance(k, str)
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)
        else:
            assert value is None or isinstance(value, str | int | float | bool), value

    check(data)
    assert data["closed_at"] == "2025-01-03T10:00:00+01:00"
    assert data["attempts"][0]["datum"] == "2025-01-02"


def test_unknown_keys_from_a_newer_version_are_ignored() -> None:
    data = CaseState("c1").to_dict() | {"something_new": 1}
    assert CaseState.from_dict(data) == CaseState("c1")


def test_missing_keys_take_their_defaults() -> None:
    assert CaseState.from_dict({"case_id": "c1", "stage": "wait_first"}).stage == "wait_first"
