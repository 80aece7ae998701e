"""Polling, for development (no public https URL): getUpdates in a loop, each update stored
and handled exactly as the webhook does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter

from bot.telegram.handling import ALLOWED_UPDATES, UpdateHandler

log = logging.getLogger("zaadje.telegram")


async def poll_once(
    handler: UpdateHandler, offset: int | None, clock: Callable[[], datetime], timeout: int = 30
) -> int | None:
    """Fetch, store and handle one batch of updates; the offset for the next call."""
    batch = await handler.bot.get_updates(
        offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
    )
    for update in batch:
        # Stored as Telegram sent it (aliases such as "from", dates as Unix time).
        payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        await handler.receive(payload, clock())
        offset = update.update_id + 1
    return offset


async def poll(handler: UpdateHandler, clock: Callable[[], datetime]) -> None:
    """Until cancelled. A webhook would make getUpdates fail, so it is removed first."""
    await handler.bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    while True:
        try:
            offset = await poll_once(handler, offset, clock)
            await handler.retry_unhandled(clock())
        except TelegramRetryAfter as exc:
            await asyncio.sleep(exc.retry_after)
        except TelegramAPIError as exc:
            log.warning("telegram polling: %s; trying again", type(exc).__name__)
            await asyncio.sleep(5)
