"""Telegram: link codes, guesses and stored updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Id


class TelegramLinkCode(Base):
    """A short code sent by SMS that links a Telegram chat to one case.

    Only an HMAC of the code is kept (keyed with the secret key): a copy of the database does
    not hand out working codes. Single use (`used_at`), and only valid until `expires_at`.
    """

    __tablename__ = "telegram_link_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat: Mapped[str | None] = mapped_column(String(40))


class TelegramGuess(Base):
    """A wrong code sent by a chat: counted to rate-limit guessing per chat."""

    __tablename__ = "telegram_guesses"
    __table_args__ = (Index("ix_telegram_guesses_chat_at", "chat_id", "at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]


class TelegramUpdate(Base):
    """An update from the Bot API, stored before it is acknowledged; `update_id` deduplicates."""

    __tablename__ = "telegram_updates"
    __table_args__ = (
        # Only the few not handled yet are indexed: the retry finds them without a scan.
        Index(
            "ix_telegram_updates_unhandled",
            "id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Whoever handles the update holds it until then: a second process's retry leaves it be.
    claimed_until: Mapped[datetime | None]


class TelegramSent(Base):
    """A message the Bot API accepted, by idempotency key: Telegram has no idempotency keys
    of its own, so after a crash the dispatcher asks this table whether it was sent."""

    __tablename__ = "telegram_sent"

    idempotency_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime]
