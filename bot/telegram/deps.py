"""What the Telegram handlers need, handed to every handler by the dispatcher as `deps`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from casework.rules import CaseRules


@dataclass(frozen=True)
class TelegramDeps:
    engine: AsyncEngine
    rules: CaseRules
    secret_key: str  # keys the HMAC of link codes
    values: Mapping[str, Any]  # the municipality's placeholders: gemeente, telefoon
    clock: Callable[[], datetime]  # the moment an update is handled
