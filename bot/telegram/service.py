"""The running Telegram side of `zaadje serve`: the update handler and its retry loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.telegram.handling import ALLOWED_UPDATES, UpdateHandler

log = logging.getLogger("zaadje.telegram")


async def retry_forever(
    handler: UpdateHandler, clock: Callable[[], datetime], interval: float
) -> None:
    """Every `interval` seconds, handle again what was stored but not handled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await handler.retry_unhandled(clock())
        except Exception:
            log.exception("retrying telegram updates failed; trying again later")


async def register_webhook(handler: UpdateHandler, url: str, secret: str) -> None:
    """Tell Telegram where to deliver updates (it only accepts https). A failure is logged:
    the webhook may have been registered by hand, and serving must go on."""
    if not url.startswith("https://"):
        log.warning("telegram webhook not registered: PUBLIC_BASE_URL is not https")
        return
    try:
        await handler.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
        )
    except Exception as exc:
        log.warning("telegram webhook not registered: %s", type(exc).__name__)


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
