"""Experiments at the moment of applying events: assign a variant when outreach starts, and
withdraw a stopped variant from its cases (flows/experiments.py has the pure rules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.rules import CaseRules
from flows import CaseState
from flows.events import Event, Planned, VariantStopped
from flows.experiments import assign
from flows.state import NEW
from store.experiment_models import ExperimentAssignment, ExperimentStop
from store.models import table_of
from store.queries import dialect_insert

assignments_t = table_of(ExperimentAssignment)
stops_t = table_of(ExperimentStop)


@dataclass
class ExperimentRound:
    """The experiments' part of applying one batch of events."""

    rules: CaseRules
    today: date
    now: datetime
    stopped: set[tuple[str, str]] = field(default_factory=set)
    assigned: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def load(
        cls, conn: AsyncConnection, rules: CaseRules, states: Iterable[CaseState], now: datetime
    ) -> ExperimentRound:
        trial = cls(rules, rules.calendar.local_date(now), now)
        # The stops are read only when an experiment could be involved: no cost otherwise.
        if rules.experiments or any(s.assignment for s in states):
            rows = await conn.execute(select(stops_t.c.experiment, stops_t.c.variant))
            trial.stopped = {(e, v) for e, v in rows}
        return trial

    def prepare(
        self, case_id: int, state: CaseState, event: Event
    ) -> tuple[CaseState, tuple[Event, ...]]:
        """The state to step (with a new assignment) and events to apply before `event`."""
        if (
            isinstance(event, Planned)
            and state.stage == NEW
            and state.assignment is None
            and not state.crisis  # Wgs deadlines are not for experimenting with
            and not state.said_no_thanks  # they get the gentle welcome-back, nothing else
            and self.rules.experiments
        ):
            assignment = assign(self.rules.experiments, case_id, self.today, self.stopped)
            if assignment is not None:
                state = replace(state, assignment=assignment)
                self.assigned.append(
                    {
                        "case_id": case_id,
                        "experiment": assignment.experiment,
                        "variant": assignment.variant,
                        "assigned_at": self.now,
                    }
                )
        current = state.assignment
        if (
            current is not None
            and not current.stopped
            and (current.experiment, current.variant) in self.stopped
        ):
            return state, (VariantStopped(),)
        return state, ()

    async def store(self, conn: AsyncConnection) -> None:
        if not self.assigned:
            return
        stmt = dialect_insert(conn, assignments_t).on_conflict_do_nothing(
            index_elements=["case_id"]
        )
        await conn.execute(stmt, self.assigned)
