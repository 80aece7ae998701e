"""Retention: the log of every purge run and data-subject erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Id


class Erasure(Base):
    """One purge run or data-subject erasure: what was erased, never the personal data itself
    (only case ids, which are meaningless once the case is erased, and counts per table)."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # purge / request
    reason: Mapped[str] = mapped_column(String(200))  # the retention rule, or the request type
    requested_by: Mapped[str | None] = mapped_column(String(80))
    case_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    signals: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rows changed per table
