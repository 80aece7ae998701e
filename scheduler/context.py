"""Everything a pass needs, built once per process by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from casework.channels import Channel
from casework.rules import Capacity, CaseRules
from clock import Calendar
from scheduler.ratelimit import RateLimiter
from scheduler.retention import RetentionPolicy


@dataclass
class PassSettings:
    batch_size: int = 500  # rows claimed per statement
    lease_seconds: float = 60.0  # a claimed message not recorded by then is recovered
    max_attempts: int = 48  # temporary failures (about two days of retries) before giving up
    backoff_seconds: float = 30.0  # first retry; doubles each time, with jitter
    waiting_per_day: int = 5  # priority a waiting case gains per day


@dataclass
class Context:
    engine: AsyncEngine
    rules: CaseRules
    channels: dict[str, Channel]
    values: dict[str, Any]  # the municipality's placeholders: gemeente, telefoon
    capacity: Capacity = field(default_factory=Capacity)
    settings: PassSettings = field(default_factory=PassSettings)
    rate_per_second: dict[str, float] = field(default_factory=dict)
    worker_id: str = "worker"
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)

    @property
    def calendar(self) -> Calendar:
        return self.rules.calendar
