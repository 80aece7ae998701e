"""The real sms channel, when its provider's credentials are configured."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from bot.channel import Channel


def sms_channel(settings: Settings, engine: AsyncEngine) -> Channel | None:
    """The provider's channel, or None when it is not configured (the simulated one is used)."""
    return None
