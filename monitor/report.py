"""The monitor as a whole: every section, in the order people read them, assembled here.

To add a section (e.g. the experiments' "reach per variant"), write a builder — a function of
`MonitorContext` returning a `Section`, async if it reads the database — and add it to
`SECTIONS` with one line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from monitor import channels, experiments, figures
from monitor.cohort import load_cohort
from monitor.period import Period
from monitor.section import MonitorContext, Section, SectionBuilder

CSV_COLUMNS = ("section", "key", "label", "value", "unit", "from", "to", "definition")

SECTIONS: tuple[SectionBuilder, ...] = (
    figures.signals_received,
    figures.signals_per_1000,
    figures.became_case,
    figures.suppressed,
    figures.cases_by_pattern,
    figures.reached,
    figures.reached_by_method,
    figures.attempts_by_method,
    figures.reached_by_attempts,
    figures.reach_rate_by_attempts,
    figures.time_to_first_attempt,
    figures.time_to_first_contact,
    figures.crisis_deadlines,
    figures.opt_outs,
    channels.reach_by_channel,
    figures.results,
    experiments.reach_by_variant,
)


@dataclass(frozen=True)
class Report:
    period: Period
    inhabitants: int | None
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
                "timezone": self.period.tz.key,
                "months": round(self.period.months, 4),
            },
            "inhabitants": self.inhabitants,
            "sections": [s.to_json() for s in self.sections],
        }

    def to_csv(self) -> str:
        """One row per figure, each with its period and definition, for a spreadsheet."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        start, end = self.period.start.isoformat(), self.period.end.isoformat()
        for s in self.sections:
            for key, value in s.values.items():
                shown = "" if value is None else value
                writer.writerow((s.key, key, s.label(key), shown, s.unit, start, end, s.definition))
        return buffer.getvalue()


async def build_report(
    conn: AsyncConnection,
    period: Period,
    inhabitants: int | None,
    today: date,
    sections: tuple[SectionBuilder, ...] = SECTIONS,
) -> Report:
    cohort = await load_cohort(conn, period)
    ctx = MonitorContext(conn=conn, cohort=cohort, inhabitants=inhabitants, today=today)
    built = []
    for builder in sections:
        outcome = builder(ctx)
        built.append(outcome if isinstance(outcome, Section) else await outcome)
    return Report(period, inhabitants, built)
