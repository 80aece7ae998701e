"""Experiment assignment is stable (the same in every process) and balanced by weight; the
engine applies a case's variant to its step and withdraws it when the variant stops."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from casework.experiments import ExperimentRound
from casework.rules import CaseRules
from clock import Calendar
from flows import (
    Action,
    CaseState,
    FlowError,
    Planned,
    SendMessage,
    SetTimer,
    VariantStopped,
    load_flow,
)
from flows import step as engine_step
from flows.experiments import Experiment, assign, bucket, choose, load_experiments

FLOW = load_flow()
CAL = Calendar()
TZ = ZoneInfo("Europe/Amsterdam")
START = date(2027, 1, 4)


def _experiments(raw: Mapping[str, Any]) -> tuple[Experiment, ...]:
    return load_experiments(raw, FLOW)


HERINNERING = {
    "herinnering": {
        "step": "wait_first",
        "start": START,
        "variants": {"drie_dagen": {"weight": 1}, "vijf_dagen": {"weight": 1, "working_days": 5}},
    }
}


def test_ten_thousand_cases_split_by_weight() -> None:
    (even,) = _experiments(HERINNERING)
    counts = Counter(choose(even, case_id).name for case_id in range(1, 10_001))
    # Binomial(10,000, ½): σ = 50, so 4σ = 200 around 5,000.
    assert abs(counts["drie_dagen"] - 5000) < 200 and sum(counts.values()) == 10_000

    (skewed,) = _experiments(
        {
            "eerste_sms": {
                "step": "first_contact",
                "start": START,
                "variants": {
                    "gewoon": {"weight": 3},
                    "kort": {"weight": 1, "message": "sms.reminder"},
                },
            }
        }
    )
    counts = Counter(choose(skewed, case_id).name for case_id in range(1, 10_001))
    # Binomial(10,000, ¼): σ ≈ 43.
    assert abs(counts["kort"] - 2500) < 175


def test_assignment_is_the_same_in_every_process() -> None:
    experiments = _experiments(HERINNERING)
    here = [assign(experiments, i, START).variant for i in range(1, 201)]  # type: ignore[union-attr]
    code = (
        "import datetime; from flows import load_flow; "
        "from flows.experiments import assign, load_experiments; "
        f"e = load_experiments({HERINNERING!r}, load_flow()); "
        "print(','.join(assign(e, i, datetime.date(2027, 1, 4)).variant for i in range(1, 201)))"
    )
    for seed in ("1", "2"):  # Python's own hash() would differ between these two
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip().split(",") == here
    # Pinned: a change of the hashing would silently move every running experiment.
    assert here[:8] == [
        "drie_dagen", "vijf_dagen", "vijf_dagen", "drie_dagen",
        "drie_dagen", "vijf_dagen", "vijf_dagen", "vijf_dagen",
    ]  # fmt: skip
    assert bucket("herinnering", 1) == pytest.approx(0.29629856414339567)


def test_only_cases_starting_in_the_window_take_part_and_stopped_variants_take_none() -> None:
    raw = {"herinnering": {**HERINNERING["herinnering"], "end": date(2027, 2, 1)}}
    experiments = _experiments(raw)
    assert assign(experiments, 7, START - timedelta(days=1)) is None
    assert assign(experiments, 7, date(2027, 2, 2)) is None
    chosen = assign(experiments, 7, START)
    assert chosen is not None
    stopped = {("herinnering", chosen.variant)}
    assert assign(experiments, 7, START, stopped) is None
    # Other cases keep the variant they would have had.
    for case_id in range(1, 50):
        before = assign(experiments, case_id, START)
        assert before is not None
        after = assign(experiments, case_id, START, stopped)
        assert after == (None if before.variant == chosen.variant else before)


def test_two_experiments_at_once_share_the_cases() -> None:
    raw = {
        **HERINNERING,
        "eerste_sms": {
            "step": "first_contact",
            "start": START,
            "variants": {"a": {}, "b": {"message": "sms.reminder"}},
        },
    }
    experiments = _experiments(raw)
    counts = Counter(assign(experiments, i, START).experiment for i in range(1, 2001))  # type: ignore[union-attr]
    assert abs(counts["herinnering"] - 1000) < 150


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"x": {"step": "nope", "start": START, "variants": {}}}, "experiments.x.step"),
        ({"x": {"step": "wait_first", "start": "morgen", "variants": {}}}, "experiments.x.start"),
        ({"x": {"step": "wait_first", "start": START, "variants": {"a": {}}}}, "two variants"),
        (
            {
                "x": {
                    "step": "wait_first",
                    "start": START,
                    "variants": {"a": {}, "b": {"message": "sms.x"}},
                }
            },
            "experiments.x.variants.b.message",
        ),
        (
            {
                "x": {
                    "step": "first_contact",
                    "start": START,
                    "variants": {"a": {}, "b": {"weight": 0}},
                }
            },
            "experiments.x.variants.b.weight",
        ),
        (
            {
                "x": {
                    "step": "first_contact",
                    "start": START,
                    "variants": {"a": {}, "b": {"ladder": "crisis"}},
                }
            },
            "experiments.x.variants.b.ladder",
        ),
        (
            {
                "x": {
                    "step": "first_contact",
                    "start": START,
                    "variants": {"a": {}, "b": {"colour": 1}},
                }
            },
            "experiments.x.variants.b.colour: unknown key",
        ),
    ],
)
def test_a_bad_definition_names_its_key(raw: Mapping[str, Any], message: str) -> None:
    with pytest.raises(FlowError, match=message.replace(".", r"\.")):
        load_experiments(raw, FLOW)


# -- the engine ------------------------------------------------------------------------------
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)


def _planned(case_id: int, experiment_raw: Mapping[str, Any]) -> tuple[CaseState, list[Action]]:
    experiments = _experiments(experiment_raw)
    assignment = assign(experiments, case_id, MONDAY.date())
    state = CaseState(case_id=str(case_id), assignment=assignment)
    return engine_step(state, Planned(), MONDAY, CAL, FLOW)


def _case_with(experiment_raw: Mapping[str, Any], variant: str) -> int:
    (experiment,) = _experiments(experiment_raw)
    return next(i for i in range(1, 100) if choose(experiment, i).name == variant)


def test_a_wait_variant_waits_its_own_time_until_stopped() -> None:
    control = _case_with(HERINNERING, "drie_dagen")
    longer = _case_with(HERINNERING, "vijf_dagen")
    _, actions = _planned(control, HERINNERING)
    (timer,) = [a for a in actions if isinstance(a, SetTimer)]
    assert timer.due == CAL.add_working_days_at(MONDAY, 3)

    state, actions = _planned(longer, HERINNERING)
    (timer,) = [a for a in actions if isinstance(a, SetTimer)]
    assert timer.due == CAL.add_working_days_at(MONDAY, 5)

    # Stopped on Tuesday: it waits the default three working days from the same message.
    tuesday = MONDAY + timedelta(days=1)
    stopped, actions = engine_step(state, VariantStopped(), tuesday, CAL, FLOW)
    (timer,) = [a for a in actions if isinstance(a, SetTimer)]
    assert timer.due == CAL.add_working_days_at(MONDAY, 3)
    assert stopped.assignment is not None and stopped.assignment.stopped
    assert CaseState.from_dict(stopped.to_dict()) == stopped  # survives the JSON column


def test_a_message_variant_sends_its_own_text() -> None:
    raw = {
        "eerste_sms": {
            "step": "first_contact",
            "start": START,
            "variants": {"gewoon": {}, "anders": {"message": "sms.reminder"}},
        }
    }
    for variant, key in (("gewoon", "sms.first_contact"), ("anders", "sms.reminder")):
        _, actions = _planned(_case_with(raw, variant), raw)
        (message,) = [a for a in actions if isinstance(a, SendMessage)]
        assert message.key == key


def test_a_ladder_variant_starts_elsewhere_and_moves_back_when_stopped() -> None:
    flows = {
        "ladders": {
            "phone_first": {
                "order": ["phone_1", "first_contact", "wait_first", "home_visit", "no_contact"],
                "steps": {
                    "phone_1": {"do": "task", "task": "phone", "due_working_days": 2},
                    "first_contact": {"do": "send", "message": "sms.first_contact"},
                    "wait_first": {"do": "wait", "working_days": 3},
                    "home_visit": {"do": "task", "task": "home_visit", "due_working_days": 5},
                    "no_contact": {
                        "do": "close",
                        "result": "Definitief geen contact kunnen krijgen",
                    },
                },
            }
        }
    }
    flow = load_flow(flows)
    raw = {
        "bellen": {
            "step": "first_contact",
            "start": START,
            "variants": {"sms_eerst": {}, "bellen_eerst": {"ladder": "phone_first"}},
        }
    }
    experiments = load_experiments(raw, flow)
    case_id = next(i for i in range(1, 100) if choose(experiments[0], i).name == "bellen_eerst")
    state = CaseState(case_id=str(case_id), assignment=assign(experiments, case_id, START))
    state, actions = engine_step(state, Planned(), MONDAY, CAL, flow)
    assert state.ladder == "phone_first" and state.stage == "phone_1"
    assert not any(isinstance(a, SendMessage) for a in actions)
    state, _ = engine_step(state, VariantStopped(), MONDAY, CAL, flow)
    # The default ladder has a phone_1 step too: the case carries on there.
    assert state.ladder == "default" and state.stage == "phone_1"


def test_crisis_and_welcome_back_cases_take_no_part() -> None:
    work = CaseRules(calendar=CAL, flow=FLOW, experiments=_experiments(HERINNERING))
    trial = ExperimentRound(work, START, MONDAY)
    plain, _ = trial.prepare(1, CaseState(case_id="1"), Planned())
    crisis, _ = trial.prepare(2, CaseState(case_id="2", crisis=True), Planned())
    again, _ = trial.prepare(3, CaseState(case_id="3", said_no_thanks=True), Planned())
    assert plain.assignment is not None
    assert crisis.assignment is None and again.assignment is None
    assert [row["case_id"] for row in trial.assigned] == [1]

    # Once its variant is stopped, the case hears of it before its next event.
    stopped = ExperimentRound(
        work, START, MONDAY, stopped={("herinnering", plain.assignment.variant)}
    )
    _, first = stopped.prepare(1, plain, Planned())
    assert first == (VariantStopped(),)
