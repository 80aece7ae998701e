"""The Telegram channel: hands outbox messages to the Bot API, each with its buttons.

Telegram has no idempotency keys, so every message it accepted is recorded by key right away
(`telegram_sent`, one small insert as soon as the Bot API answers, not after the whole batch:
a crash or a failed insert at the end of a batch would otherwise have the dispatcher send the
batch again); after a crash the dispatcher asks `find` before sending again.

Failures, as the dispatcher needs them:
- 403 "bot was blocked by the user" (or kicked) → permanent, opted out;
- 400 "chat not found" and other refusals of the message itself → permanent;
- 429 → temporary, with Telegram's `retry_after`;
- 5xx, timeouts, connection errors, and a rejected token (401/404: a configuration problem
  that must not cost residents their messages) → temporary.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.telegram import keyboards
from casework.channels import (
    Outgoing,
    PermanentFailure,
    Receipt,
    Result,
    Sent,
    TemporaryFailure,
    plain_receipt,
)
from store.models import table_of
from store.queries import dialect_insert
from store.telegram_models import TelegramSent

sent_t = table_of(TelegramSent)
log = logging.getLogger("zaadje.telegram")

PARALLEL = 8  # messages in flight at once; the dispatcher's rate limit sets the pace


def provider_id(chat_id: str, message_id: int) -> str:
    return f"tg:{chat_id}:{message_id}"


def classify(exc: Exception) -> Result:
    """The dispatcher's view of a Bot API error (the description never holds message text)."""
    if isinstance(exc, TelegramRetryAfter):
        return TemporaryFailure("429 too many requests", retry_after=float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        blocked = any(word in exc.message.lower() for word in ("blocked", "kicked"))
        return PermanentFailure(f"403 {exc.message}"[:200], opted_out=blocked)
    if isinstance(exc, TelegramBadRequest):
        return PermanentFailure(f"400 {exc.message}"[:200])
    if isinstance(exc, TelegramUnauthorizedError | TelegramNotFound):
        log.error("the Bot API refused the bot token (%s): check TELEGRAM_BOT_TOKEN", exc.message)
        return TemporaryFailure(f"token refused: {exc.message}"[:200])
    if isinstance(exc, TelegramServerError):
        return TemporaryFailure(f"5xx {exc.message}"[:200])
    if isinstance(exc, TelegramNetworkError | asyncio.TimeoutError):
        return TemporaryFailure(f"network: {type(exc).__name__}")
    if isinstance(exc, TelegramAPIError):
        return TemporaryFailure(f"{type(exc).__name__}: {exc.message}"[:200])
    return TemporaryFailure(f"error: {type(exc).__name__}")


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot, engine: AsyncEngine) -> None:
        self.bot = bot
        self.engine = engine
        # One record at a time: parallel sends would each take a pooled connection.
        self._recording = asyncio.Lock()
        self._batches = 0  # in flight now (a worker's pass and the simulator's tick may overlap)

    async def _remember(self, row: dict[str, Any]) -> None:
        try:
            async with self._recording, self.engine.begin() as conn:
                await conn.execute(
                    dialect_insert(conn, sent_t).on_conflict_do_nothing(
                        index_elements=["idempotency_key"]
                    ),
                    row,
                )
        except Exception:
            # The dispatcher records the message as sent anyway; only a crash before that
            # would send it again. Never fail a message that Telegram took.
            log.exception("could not record a message right after the Bot API took it")

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        gate = asyncio.Semaphore(PARALLEL)

        async def one(message: Outgoing) -> Result:
            async with gate:
                try:
                    chat_id = int(message.to)
                except ValueError:
                    return PermanentFailure("not a Telegram chat id")
                try:
                    sent = await self.bot.send_message(
                        chat_id,
                        message.text,
                        reply_markup=keyboards.for_message(message.message_key),
                    )
                except Exception as exc:  # one message's failure must not fail the batch
                    result = classify(exc)
                    log.info("telegram send failed: %s", getattr(result, "reason", ""))
                    return result
                await self._remember(
                    {
                        "idempotency_key": message.idempotency_key,
                        "chat_id": message.to,
                        "message_id": sent.message_id,
                        "sent_at": datetime.now(UTC),
                    }
                )
                return Sent(provider_id(message.to, sent.message_id), delivered=True)

        # One chat's messages one after the other, in outbox order (a chat shows them in the
        # order they arrive); different chats in parallel.
        by_chat: dict[str, list[Outgoing]] = {}
        for message in messages:
            by_chat.setdefault(message.to, []).append(message)
        outcome: dict[str, Result] = {}

        async def chat(queue: list[Outgoing]) -> None:
            for message in queue:
                outcome[message.idempotency_key] = await one(message)

        self._batches += 1
        try:
            await asyncio.gather(*(chat(queue) for queue in by_chat.values()))
        finally:
            # Connections live for one batch (as for Twilio): `zaadje tick`, `worker` and
            # `serve` own this channel but never close it, and an open aiohttp session at
            # exit is an "Unclosed client session" error. The next batch opens a new one;
            # a batch still in flight keeps it open.
            self._batches -= 1
            if self._batches == 0:
                await self.bot.session.close()
        return {m.idempotency_key: outcome[m.idempotency_key] for m in messages}

    async def aclose(self) -> None:
        await self.bot.session.close()

    async def find(self, message: Outgoing, since: datetime) -> Sent | None:
        """Every message the Bot API accepted is recorded by key at once (`_remember`)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(sent_t.c.chat_id, sent_t.c.message_id).where(
                        sent_t.c.idempotency_key == message.idempotency_key
                    )
                )
            ).first()
        return Sent(provider_id(row.chat_id, row.message_id), delivered=True) if row else None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)  # the Bot API confirms at hand-over; no reports
