"""The real sms channel, when its provider's credentials are configured."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import UserError
from app.settings import Settings
from bot.twilio.channel import TwilioChannel
from bot.twilio.config import TwilioConfig, TwilioConfigError
from casework.channels import Channel


def twilio_config(settings: Settings) -> TwilioConfig | None:
    """Twilio's settings, or None when no Twilio variable is set at all. Half a configuration
    is an error, not a quiet fall-back to the simulated channel."""
    given = (
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
        settings.twilio_messaging_service_sid,
    )
    if not any(given):
        return None
    try:
        return TwilioConfig(
            account_sid=settings.twilio_account_sid or "",
            auth_token=settings.twilio_auth_token or "",
            public_base_url=settings.public_base_url,
            from_number=settings.twilio_from,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base=settings.twilio_api_base,
        )
    except TwilioConfigError as exc:
        raise UserError(str(exc)) from exc


def sms_channel(settings: Settings, engine: AsyncEngine) -> Channel | None:
    """The provider's channel, or None when it is not configured (the simulated one is used)."""
    config = twilio_config(settings)
    return TwilioChannel(config, engine) if config else None
