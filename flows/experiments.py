"""Experiments: variants of one step of the default ladder, assigned at random but stably.

A municipality defines them in its config:

    [experiments.herinnering]
    step = "wait_first"            # the step of the default ladder the variants change
    start = 2027-01-04             # cases whose outreach starts from this day take part
    end = 2027-06-30               # optional: the last day a case can join
    [experiments.herinnering.variants.twee_dagen]
    weight = 1                     # changes nothing: the default ladder (control group)
    [experiments.herinnering.variants.vier_dagen]
    weight = 1
    working_days = 4               # what this variant changes

A variant may change the step's `message` (a send step), its wait (`working_days`/`hours`, a
wait step), or run the case on another `ladder` altogether (e.g. phone first), which must be
one of the flow's ladders.

Assignment is a pure function of (experiment name, case id): a SHA-256 of both picks the
variant by weight (not Python's `hash`, which is salted per process), so every worker and
every rerun agrees. The variant is stored on the case when its outreach starts, so a change
of the configuration does not move a running case. A variant that is stopped (in the
database, see `zaadje experiment stop`) is withdrawn from its cases: those that have not
passed the step finish on the default ladder, and new cases that hash to it take no part.

Pure: no I/O, no clock; the engine sees the assignment as part of the case state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from flows.flow import SEND, WAIT, Flow, FlowError, Ladder, Step

DEFAULT_LADDER: Final = "default"
_NAME = re.compile(r"^[a-z0-9_]{1,60}$")
_MESSAGE_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class Variant:
    name: str
    weight: int
    message: str | None = None
    working_days: int | None = None
    hours: float | None = None
    ladder: str | None = None


@dataclass(frozen=True)
class Experiment:
    name: str
    step: str
    start: date
    end: date | None
    variants: tuple[Variant, ...]

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class Assignment:
    """A case's variant, with what it changes copied in: the case keeps it for life."""

    experiment: str
    variant: str
    step: str
    message: str | None = None
    working_days: int | None = None
    hours: float | None = None
    ladder: str | None = None
    stopped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "variant": self.variant,
            "step": self.step,
            "message": self.message,
            "working_days": self.working_days,
            "hours": self.hours,
            "ladder": self.ladder,
            "stopped": self.stopped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        return cls(
            experiment=data["experiment"],
            variant=data["variant"],
            step=data["step"],
            message=data.get("message"),
            working_days=data.get("working_days"),
            hours=data.get("hours"),
            ladder=data.get("ladder"),
            stopped=bool(data.get("stopped", False)),
        )


# -- assignment ---------------------------------------------------------------------------
def bucket(salt: str, case_id: int | str) -> float:
    """A number in [0, 1), uniform and the same in every process for (salt, case id)."""
    digest = hashlib.sha256(f"{salt}\x00{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def choose(experiment: Experiment, case_id: int | str) -> Variant:
    """The variant for this case, by weight."""
    total = sum(v.weight for v in experiment.variants)
    point = bucket(experiment.name, case_id) * total
    for variant in experiment.variants:
        point -= variant.weight
        if point < 0:
            return variant
    return experiment.variants[-1]  # float rounding at the very top of the range


def assign(
    experiments: tuple[Experiment, ...],
    case_id: int | str,
    today: date,
    stopped: Collection[tuple[str, str]] = (),
) -> Assignment | None:
    """The assignment of a case whose outreach starts today, if it takes part in one.

    Decision: a case takes part in at most one experiment, so that effects do not mix; when
    several run at once, a second hash spreads cases evenly over them. A case that hashes to
    a stopped variant takes no part (the other variants' buckets stay where they were).
    """
    active = sorted((e for e in experiments if e.active_on(today)), key=lambda e: e.name)
    if not active:
        return None
    experiment = active[int(bucket("zaadje.experiments", case_id) * len(active))]
    variant = choose(experiment, case_id)
    if (experiment.name, variant.name) in stopped:
        return None
    return Assignment(
        experiment=experiment.name,
        variant=variant.name,
        step=experiment.step,
        message=variant.message,
        working_days=variant.working_days,
        hours=variant.hours,
        ladder=variant.ladder,
    )


# -- what a variant changes (used by the engine) -------------------------------------------
def first_ladder(assignment: Assignment | None) -> str:
    """The ladder a (non-crisis) case starts on."""
    if assignment is None or assignment.stopped or assignment.ladder is None:
        return DEFAULT_LADDER
    return assignment.ladder


def effective_step(assignment: Assignment | None, ladder: Ladder, step: Step) -> Step:
    """The step as this case's variant has it."""
    if (
        assignment is None
        or assignment.stopped
        or ladder.name != DEFAULT_LADDER
        or step.id != assignment.step
    ):
        return step
    if step.do == SEND and assignment.message:
        return replace(step, message=assignment.message)
    if step.do == WAIT and (assignment.working_days is not None or assignment.hours is not None):
        return replace(
            step,
            working_days=step.working_days
            if assignment.working_days is None
            else assignment.working_days,
            hours=step.hours if assignment.hours is None else assignment.hours,
        )
    return step


# -- loading ------------------------------------------------------------------------------
def load_experiments(raw: Mapping[str, Any] | None, flow: Flow) -> tuple[Experiment, ...]:
    """The `[experiments]` table, validated against the flow; errors name the exact key."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise FlowError("experiments: must be a table")
    return tuple(_experiment(name, value, flow) for name, value in raw.items())


def _experiment(name: str, raw: Any, flow: Flow) -> Experiment:
    path = f"experiments.{name}"
    if not _NAME.match(name):
        raise FlowError(f"{path}: a name of lower-case letters, digits and _ (at most 60)")
    if not isinstance(raw, Mapping):
        raise FlowError(f"{path}: must be a table")
    _only(raw, path, {"step", "start", "end", "variants"})
    default = flow.ladder(DEFAULT_LADDER)
    step_id = raw.get("step")
    index = default.index(step_id) if isinstance(step_id, str) else None
    if index is None:
        raise FlowError(f"{path}.step: must be a step of the default ladder, got {step_id!r}")
    step = default.steps[index]
    start = raw.get("start")
    if not isinstance(start, date):
        raise FlowError(f"{path}.start: must be a date like 2027-01-04, got {start!r}")
    end = raw.get("end")
    if end is not None and (not isinstance(end, date) or end < start):
        raise FlowError(f"{path}.end: must be a date on or after start, got {end!r}")
    variants_raw = raw.get("variants")
    if not isinstance(variants_raw, Mapping) or len(variants_raw) < 2:
        raise FlowError(f"{path}.variants: needs at least two variants")
    variants = tuple(
        _variant(v_name, v_raw, step, flow, f"{path}.variants.{v_name}")
        for v_name, v_raw in variants_raw.items()
    )
    return Experiment(name, step.id, start, end, variants)


def _variant(name: str, raw: Any, step: Step, flow: Flow, path: str) -> Variant:
    if not _NAME.match(name):
        raise FlowError(f"{path}: a name of lower-case letters, digits and _ (at most 60)")
    if not isinstance(raw, Mapping):
        raise FlowError(f"{path}: must be a table")
    _only(raw, path, {"weight", "message", "working_days", "hours", "ladder"})
    weight = raw.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
        raise FlowError(f"{path}.weight: must be a whole number >= 1, got {weight!r}")
    message = raw.get("message")
    if message is not None:
        if step.do != SEND:
            raise FlowError(f"{path}.message: step {step.id!r} sends no message")
        if not isinstance(message, str) or not _MESSAGE_KEY.match(message):
            raise FlowError(f"{path}.message: must be a catalogue key, got {message!r}")
    working_days, hours = raw.get("working_days"), raw.get("hours")
    if working_days is not None or hours is not None:
        if step.do != WAIT:
            raise FlowError(f"{path}: step {step.id!r} is not a wait")
        if working_days is not None and (
            not isinstance(working_days, int) or isinstance(working_days, bool) or working_days < 0
        ):
            raise FlowError(f"{path}.working_days: must be a whole number >= 0")
        if hours is not None and (
            not isinstance(hours, int | float) or isinstance(hours, bool) or hours < 0
        ):
            raise FlowError(f"{path}.hours: must be a number >= 0")
        if (working_days if working_days is not None else step.working_days) == 0 and (
            hours if hours is not None else step.hours
        ) == 0:
            raise FlowError(f"{path}: a wait needs working_days or hours")
    ladder = raw.get("ladder")
    if ladder is not None:
        names = [lad.name for lad in flow.ladders]
        if ladder not in names or ladder in ("crisis", "welcome_back"):
            raise FlowError(f"{path}.ladder: must be one of the flow's own ladders, got {ladder!r}")
    return Variant(
        name,
        weight,
        message=message,
        working_days=working_days,
        hours=None if hours is None else float(hours),
        ladder=ladder,
    )


def _only(raw: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            raise FlowError(f"{path}.{key}: unknown key (expected one of {sorted(allowed)})")
