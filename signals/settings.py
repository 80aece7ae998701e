"""The intake's settings, from the municipality's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clock import Calendar


def analyze_due(batch_number: int) -> bool:
    """PostgreSQL: refresh statistics before batches 2, 8, 32, 128, …, whenever the tables
    may have grown fourfold, as autovacuum does by share; every n batches spent ~5 % of a
    million-row ingest on ANALYZE."""
    return (
        batch_number >= 2
        and batch_number & (batch_number - 1) == 0
        and batch_number.bit_length() % 2 == 0
    )


@dataclass
class IntakeSettings:
    minimum_cents: int
    lookback_months: int
    batch_size: int
    priority_rules: dict[str, Any]
    deadline_rules: dict[str, Any]
    calendar: Calendar

    @classmethod
    def from_config(cls, config: dict[str, Any], calendar: Calendar) -> IntakeSettings:
        intake = config["intake"]
        return cls(
            minimum_cents=round(float(intake["minimum_amount_eur"]) * 100),
            lookback_months=int(intake["lookback_months"]),
            batch_size=int(intake["batch_size"]),
            priority_rules=config["priority"],
            deadline_rules=config["deadlines"],
            calendar=calendar,
        )
