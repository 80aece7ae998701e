"""Handling stored updates: the aiogram Dispatcher with every feature's Router, fed one stored
update at a time; an update whose handling failed is marked and tried again later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher, F
from aiogram.enums import ChatType
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.telegram import updates
from bot.telegram.deps import TelegramDeps
from bot.telegram.routers import all_routers

log = logging.getLogger("zaadje.telegram")

# The update kinds the bot asks Telegram for (webhook and polling alike).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# An update being handled right now is not taken from its handler by the retry.
GRACE = timedelta(minutes=1)


def build_dispatcher(deps: TelegramDeps) -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher["deps"] = deps
    # Private chats only: a code sent in a group would link a whole group to one resident's
    # case, and every member would read what the municipality writes.
    private = F.chat.type == ChatType.PRIVATE
    dispatcher.message.filter(private)
    dispatcher.my_chat_member.filter(private)
    dispatcher.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    dispatcher.include_routers(*all_routers())
    return dispatcher


class UpdateHandler:
    """Stores and handles updates for one bot; shared by the webhook and polling."""

    def __init__(self, bot: Bot, deps: TelegramDeps) -> None:
        self.bot = bot
        self.deps = deps
        self.dispatcher = build_dispatcher(deps)

    @property
    def engine(self) -> AsyncEngine:
        return self.deps.engine

    async def store(self, payload: Any, now: datetime) -> int | None:
        """Store an update to handle right away; None for a duplicate, which is left alone.
        Raises updates.BadUpdate for what is not a Bot API update (it is not stored)."""
        updates.update_id_of(payload)
        try:
            Update.model_validate(payload)
        except ValidationError as exc:
            # Not the validation text: it quotes the payload, which may hold a message.
            raise updates.BadUpdate("not a Telegram update") from exc
        return await updates.store_update(self.engine, payload, now, attempts=1)

    async def handle(self, row_id: int, payload: dict[str, Any] | None = None) -> bool:
        """Handle one stored update; False when it failed (it is tried again later). Without
        `payload` the update is claimed first (the retry), so a handled one is left alone."""
        if payload is None:
            payload = await updates.claim(self.engine, row_id, self.deps.clock())
            if payload is None:
                return True  # handled before, or being handled by another process
        try:
            update = Update.model_validate(payload, context={"bot": self.bot})
            await self.dispatcher.feed_update(self.bot, update)
        except Exception as exc:
            # The type only: an error's text may quote a resident's message, which must never
            # reach the logs (the traceback only at debug level, for a developer's machine).
            log.error("telegram update %s could not be handled: %s", row_id, type(exc).__name__)
            log.debug("telegram update %s failed", row_id, exc_info=True)
            await updates.mark_failed(self.engine, row_id, type(exc).__name__)
            return False
        await updates.mark_handled(self.engine, row_id, self.deps.clock())
        return True

    async def receive(self, payload: dict[str, Any], now: datetime) -> bool:
        """Store, then handle: True when the update was new."""
        row_id = await self.store(payload, now)
        if row_id is None:
            return False
        await self.handle(row_id, payload)
        return True

    async def retry_unhandled(self, now: datetime) -> int:
        """Handle again what was stored but not handled (a crash, a failing Bot API)."""
        handled = 0
        for row_id in await updates.unhandled_updates(self.engine, now - GRACE):
            handled += await self.handle(row_id)
        return handled
