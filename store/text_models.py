"""Communicators' text changes: drafts, approvals, history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Id


class TextChange(Base):
    """One proposed change of one message text in one language, and what became of it.

    A draft is `pending` until a second person approves it (`published`, written into the
    catalogue) or rejects it (`rejected`); a newer draft by someone else `supersedes` it.
    `before` is the text the change replaces (re-read when it is published), `after` the new
    text; both as lists of forms (one, or the plural forms of the language).

    `open_slot` is "locale:key" while the change is pending and NULL afterwards: the unique
    constraint keeps one open draft per text on every database (NULLs do not collide), even
    when two people save at the same moment.

    People are kept by id and name without foreign keys, like the desk's audit log: the
    history outlives a removed user.
    """

    __tablename__ = "text_changes"
    __table_args__ = (Index("ix_text_changes_key_locale", "key", "locale"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(8))
    before: Mapped[list[str]] = mapped_column(JSON)
    after: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # pending/published/rejected/superseded
    open_slot: Mapped[str | None] = mapped_column(String(100), unique=True)
    revision: Mapped[int] = mapped_column(Integer)  # +1 on every save: approve what you saw
    author_id: Mapped[int] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reviewer_id: Mapped[int | None] = mapped_column(Integer)
    reviewer_name: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # why it was rejected
