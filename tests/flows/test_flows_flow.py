"""Loading the shipped ladders, merging a municipality's overrides, and refusing bad ones."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from flows import FlowError, load_flow
from flows.flow import deep_merge, default_definition


def test_the_shipped_flow_loads() -> None:
    flow = load_flow()
    default = flow.ladder("default")
    assert [s.id for s in default.steps] == [
        "first_contact",
        "wait_first",
        "reminder",
        "wait_reminder",
        "phone_1",
        "phone_2",
        "home_visit",
        "wait_card",
        "no_contact",
    ]
    assert default.steps[1].working_days == 3
    assert default.steps[3].working_days == 2
    assert default.steps[6].due_working_days == 5 and default.steps[6].leave_card
    assert default.steps[-1].result == "Definitief geen contact kunnen krijgen"
    assert flow.ladder("crisis").steps[1].deadline_working_days == 2
    assert flow.reopen_within_months == 6


def test_none_and_empty_overrides_are_the_defaults() -> None:
    assert load_flow(None) == load_flow({}) == load_flow()


def test_overrides_merge_key_by_key() -> None:
    municipality = tomllib.loads(
        """
        [flows.ladders.default.steps.wait_first]
        working_days = 4
        [flows.callback]
        attempts = 3
        """
    )
    flow = load_flow(municipality["flows"])
    assert flow.ladder("default").steps[1].working_days == 4
    assert flow.ladder("default").steps[3].working_days == 2  # untouched
    assert flow.callback.attempts == 3
    assert flow.callback.then == "home_visit"


def test_a_list_replaces_the_whole_list() -> None:
    flow = load_flow(
        {
            "ladders": {
                "default": {
                    "order": [
                        "first_contact",
                        "wait_first",
                        "home_visit",
                        "wait_card",
                        "no_contact",
                    ]
                }
            }
        }
    )
    assert [s.id for s in flow.ladder("default").steps][2] == "home_visit"


def test_a_municipality_can_add_a_step() -> None:
    flow = load_flow(
        {
            "ladders": {
                "default": {
                    "order": [
                        "first_contact",
                        "wait_first",
                        "letter_review",
                        "home_visit",
                        "wait_card",
                        "no_contact",
                    ],
                    "steps": {
                        "letter_review": {"do": "task", "task": "review", "due_working_days": 1}
                    },
                }
            }
        }
    )
    assert flow.ladder("default").steps[2].task == "review"


def test_deep_merge_does_not_touch_its_inputs() -> None:
    base = {"a": {"b": 1, "c": 2}}
    merged = deep_merge(base, {"a": {"b": 5}})
    assert merged == {"a": {"b": 5, "c": 2}} and base == {"a": {"b": 1, "c": 2}}
    assert default_definition()["ladders"]["default"]["steps"]["wait_first"]["working_days"] == 3


BAD: list[tuple[dict[str, Any], str]] = [
    (
        {"ladders": {"default": {"steps": {"wait_first": {"working_days": -1}}}}},
        "flows.ladders.default.steps.wait_first.working_days",
    ),
    (
        {"ladders": {"default": {"steps": {"wait_first": {"working_days": True}}}}},
        "flows.ladders.default.steps.wait_first.working_days",
    ),
    (
        {"ladders": {"default": {"steps": {"wait_first": {"workingdays": 3}}}}},
        "flows.ladders.default.steps.wait_first.workingdays: unknown key",
    ),
    (
        {"ladders": {"default": {"steps": {"no_contact": {"result": "Klaar"}}}}},
        "flows.ladders.default.steps.no_contact.result: must be a DDAS EnumEindresultaat",
    ),
    (
        {"ladders": {"default": {"steps": {"phone_1": {"task": "fax"}}}}},
        "flows.ladders.default.steps.phone_1.task",
    ),
    (
        {"ladders": {"default": {"steps": {"phone_2": {"daypart": "nacht"}}}}},
        "flows.ladders.default.steps.phone_2.daypart",
    ),
    (
        {"ladders": {"default": {"steps": {"reminder": {"message": "Herinnering!"}}}}},
        "flows.ladders.default.steps.reminder.message",
    ),
    (
        {"ladders": {"default": {"steps": {"reminder": {"do": "shout"}}}}},
        "flows.ladders.default.steps.reminder.do",
    ),
    (
        {"ladders": {"default": {"order": ["first_contact", "nope", "no_contact"]}}},
        "flows.ladders.default.order: no step 'nope'",
    ),
    (
        {"ladders": {"default": {"order": ["first_contact", "wait_first"]}}},
        "flows.ladders.default.order: the last step must close",
    ),
    (
        {"ladders": {"default": {"order": ["no_contact", "first_contact", "no_contact"]}}},
        "flows.ladders.default.order: a step appears twice",
    ),
    ({"ladders": {"default": {"order": []}}}, "flows.ladders.default.order"),
    (
        {"ladders": {"crisis": {"steps": {"phone": {"due_working_days": 4}}}}},
        "flows.ladders.crisis.steps.phone.due_working_days: a crisis case needs a first attempt",
    ),
    (
        {"ladders": {"crisis": {"steps": {"home_visit": {"due_working_days": 5}}}}},
        "flows.ladders.crisis.steps.home_visit.due_working_days",
    ),
    ({"callback": {"then": "nowhere"}}, "flows.callback.then"),
    ({"callback": {"attempts": 0}}, "flows.callback.attempts"),
    ({"messages": {"help": None}}, "flows.messages.help"),
    ({"messages": {"shout": "sms.shout"}}, "flows.messages.shout: unknown key"),
    ({"results": {"no_thanks": "Nee"}}, "flows.results.no_thanks"),
    ({"review": {"follow_up_working_days": 0}}, "flows.review.follow_up_working_days"),
    ({"reopen_within_months": "six"}, "flows.reopen_within_months"),
    ({"colour": "green"}, "flows.colour: unknown key"),
    (
        {"ladders": {"default": {"steps": {"wait_first": {"working_days": 0}}}}},
        "flows.ladders.default.steps.wait_first: a wait needs",
    ),
    (
        {"ladders": {"default": {"steps": {"phone_2": {"due_working_days": 0}}}}},
        "flows.ladders.default.steps.phone_2.due_working_days: must not be before",
    ),
]


@pytest.mark.parametrize(("override", "message"), BAD)
def test_bad_overrides_name_the_key(override: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowError) as error:
        load_flow(override)
    assert str(error.value).startswith(message), str(error.value)


def test_a_required_ladder_cannot_be_removed() -> None:
    definition = default_definition()
    ladders = {k: v for k, v in definition["ladders"].items() if k != "welcome_back"}
    from flows.flow import parse_flow

    with pytest.raises(FlowError, match=r"flows\.ladders\.welcome_back: this ladder is required"):
        parse_flow({**definition, "ladders": ladders})


def test_overrides_must_be_a_table() -> None:
    with pytest.raises(FlowError, match="flows: must be a table"):
        load_flow(["nope"])  # type: ignore[arg-type]


def test_an_optional_message_can_be_switched_off() -> None:
    flow = load_flow({"ladders": {"default": {"steps": {"phone_1": {"missed_message": ""}}}}})
    assert flow.ladder("default").steps[4].missed_message is None
