"""What the HTTP side of `zaadje serve` is built from: settings, database, scheduler context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from scheduler.context import Context


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    context: Context  # casework (flow + calendar), channels, message values, capacity
