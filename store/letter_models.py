"""Letters by post: the daily print batches and which letters each one holds.

A letter itself is an outbox row (`channel = "letter"`); a batch is one PDF for the printer.
Its items keep the history (a cancelled batch's letters go into a later one); a letter is in
at most one batch that is not cancelled, because it is taken from `pending` under a lock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Id


class LetterBatch(Base):
    __tablename__ = "letter_batches"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    day: Mapped[date]  # the letters due up to this day
    made_at: Mapped[datetime]
    made_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | posted | cancelled
    letters: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    # The PDF as made: an unconfirmed batch is downloaded again byte for byte the same.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    posted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class LetterBatchItem(Base):
    __tablename__ = "letter_batch_items"

    batch_id: Mapped[int] = mapped_column(ForeignKey("letter_batches.id"), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the PDF
