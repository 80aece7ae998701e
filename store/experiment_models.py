"""Experiments: the variant each case got, and the variants stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class ExperimentAssignment(Base):
    """The variant a case got when its outreach started; never moved afterwards, so a change
    of the configuration does not reshuffle running cases. The monitor counts reach per
    variant from this table (no personal data in it)."""

    __tablename__ = "experiment_assignments"
    __table_args__ = (Index("ix_experiment_assignments_variant", "experiment", "variant"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    experiment: Mapped[str] = mapped_column(String(60))
    variant: Mapped[str] = mapped_column(String(60))
    assigned_at: Mapped[datetime]


class ExperimentStop(Base):
    """A variant stopped by `zaadje experiment stop`: kept in the database so that every
    worker sees it; its cases that have not passed the step finish on the default ladder."""

    __tablename__ = "experiment_stops"

    experiment: Mapped[str] = mapped_column(String(60), primary_key=True)
    variant: Mapped[str] = mapped_column(String(60), primary_key=True)
    stopped_at: Mapped[datetime]
    stopped_by: Mapped[str] = mapped_column(String(80))
