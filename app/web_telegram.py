"""The Telegram webhook: `POST /webhooks/telegram`, present only when TELEGRAM_BOT_TOKEN and
TELEGRAM_WEBHOOK_SECRET are configured (aiogram is imported only then: it is slow to load)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web

from app.services import Services

PATH = "/webhooks/telegram"


def now() -> datetime:
    return datetime.now(UTC)


def install(app: web.Application, services: Services) -> None:
    """Add this part's routes (and startup/cleanup hooks) to the application."""
    settings = services.settings
    token, secret = settings.telegram_bot_token, settings.telegram_webhook_secret
    if not token or not secret:
        return
    from bot.telegram import service
    from bot.telegram.bots import make_bot
    from bot.telegram.deps import TelegramDeps
    from bot.telegram.handling import UpdateHandler
    from bot.telegram.webhook import webhook_view

    deps = TelegramDeps(
        engine=services.engine,
        rules=services.context.rules,
        secret_key=settings.secret_key,
        values=dict(services.context.values),
        clock=now,
    )
    handler = UpdateHandler(make_bot(token, settings.telegram_api_base), deps)
    app.router.add_post(PATH, webhook_view(handler, secret, now))
    interval = float(settings.config["scheduler"]["inbound_interval"])

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await service.register_webhook(handler, settings.public_base_url + PATH, secret)
        retry = asyncio.create_task(service.retry_forever(handler, now, interval))
        yield
        await service.stop(retry)
        await handler.bot.session.close()

    app.cleanup_ctx.append(lifecycle)
