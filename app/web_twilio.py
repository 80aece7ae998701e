"""The Twilio webhooks: inbound SMS and delivery status callbacks.

Decision: the routes exist only when Twilio is configured. Without an auth token no signature
can be checked, and the simulated channel is in use, so the routes answer 404 (not 403): an
operator who points Twilio here without configuring it sees at once that nothing listens.
"""

from __future__ import annotations

import gc

from aiohttp import web

from app.channel_sms import twilio_config
from app.services import Services
from bot.twilio.background import Background
from bot.twilio.channel import TwilioChannel
from bot.twilio.config import INBOUND_PATH, STATUS_PATH
from bot.twilio.inbox import Inbox
from bot.twilio.signature import SignatureCheck
from bot.twilio.webhooks import TwilioWebhooks

TWILIO_WEBHOOKS: web.AppKey[TwilioWebhooks] = web.AppKey("twilio_webhooks", TwilioWebhooks)


def install(app: web.Application, services: Services) -> None:
    """Add this part's routes (and startup/cleanup hooks) to the application."""
    config = twilio_config(services.settings)
    if config is None:
        return
    background = Background()
    inbox = Inbox(services.engine)
    hooks = TwilioWebhooks(
        SignatureCheck(config.auth_token, config.public_base_url),
        services.engine,
        services.context.rules,
        services.context.channels,
        background,
        inbox,
    )
    background.busy = hooks.busy
    app[TWILIO_WEBHOOKS] = hooks
    app.router.add_post(INBOUND_PATH, hooks.inbound)
    app.router.add_post(STATUS_PATH, hooks.status)

    async def start(_: web.Application) -> None:
        await inbox.open()
        background.start()
        # Everything loaded so far (modules, the flow, catalogues) lives as long as the
        # process: leave it out of the collector's full passes, which otherwise pause a busy
        # webhook for 70-100 ms each time (measured with bench/webhooks.py).
        gc.freeze()

    async def stop(_: web.Application) -> None:
        # Handling in flight finishes (or is left, stored, to the inbound pass); then the
        # inbox's connections close, and the channel (its connections live per batch, so
        # that is a formality).
        gc.unfreeze()
        await background.aclose()
        await inbox.close()
        for channel in services.context.channels.values():
            if isinstance(channel, TwilioChannel):
                await channel.aclose()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
