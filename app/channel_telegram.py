"""The real telegram channel, when its provider's credentials are configured."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import Settings
from casework.channels import Channel


def telegram_channel(settings: Settings, engine: AsyncEngine) -> Channel | None:
    """The provider's channel, or None when it is not configured (the simulated one is used).

    Both the token and the webhook secret are needed, as for the webhook: a bot that can send
    but never hears the answers would leave residents talking to nobody."""
    if not settings.telegram_bot_token or not settings.telegram_webhook_secret:
        return None
    # aiogram takes seconds to import: only when Telegram is configured.
    from bot.telegram.bots import make_bot
    from bot.telegram.channel import TelegramChannel

    return TelegramChannel(
        make_bot(settings.telegram_bot_token, settings.telegram_api_base), engine
    )
