"""One part of the monitor: a name, a one-sentence definition, and its values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from monitor.cohort import Cohort

Value = int | float | None


@dataclass(frozen=True)
class Section:
    key: str  # English, the `--json` key
    title: str  # Dutch, for people
    definition: str  # one Dutch sentence: what exactly is counted
    values: dict[str, Value]  # keys in English, or the domain's own terms (DDAS codes)
    unit: str = ""  # Dutch: "signalen", "zaken", "%", "dagen", …
    labels: dict[str, str] = field(default_factory=dict)  # Dutch labels for English keys
    chart: bool = True  # worth a bar chart on the monitor page

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "definition": self.definition,
            "unit": self.unit,
            "values": dict(self.values),
            "labels": {k: self.label(k) for k in self.values},
        }


@dataclass(frozen=True)
class MonitorContext:
    """What a section may look at. `conn` lets a section read tables of its own (e.g. the
    experiments' variants); the cohort has the period's signals, cases and attempts."""

    conn: AsyncConnection
    cohort: Cohort
    inhabitants: int | None  # from config [gemeente] inwoners; None when not set
    today: date  # the local day the monitor is made (deadlines not yet passed are pending)


# A section builder is a plain function, or a coroutine function when it needs the database.
SectionBuilder = Callable[[MonitorContext], Section | Awaitable[Section]]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
