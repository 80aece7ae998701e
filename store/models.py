"""The tables. Later rooms add theirs by migration; every change here needs one too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A BIGINT primary key does not autoincrement on SQLite; INTEGER there, BIGINT elsewhere.
Id = BigInteger().with_variant(Integer, "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Household(Base):
    """One address: postcode + huisnummer + toevoeging, normalised."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    address_key: Mapped[str] = mapped_column(String(40), unique=True)
    postcode: Mapped[str] = mapped_column(String(6))
    huisnummer: Mapped[str] = mapped_column(String(10))
    toevoeging: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime]


class Case(Base):
    """A vroegsignaalzaak: the municipality's work for one household."""

    __tablename__ = "cases"
    __table_args__ = (
        # One open case per household: new signals join it instead of opening another.
        Index(
            "uq_cases_open_household",
            "household_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_cases_state_priority", "state", "priority"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    state: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(8), default="nl")
    deadline: Mapped[date | None] = mapped_column(Date)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Signal(Base):
    """One arrears report from a signal partner, as normalised at intake."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("partner_type", "partner_signal_id", name="uq_signals_partner_id"),
        Index("ix_signals_household_date", "household_id", "signal_date"),
        Index("ix_signals_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_type: Mapped[str] = mapped_column(String(40))
    partner_signal_id: Mapped[str] = mapped_column(String(200))
    partner_name: Mapped[str | None] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    signal_date: Mapped[date] = mapped_column(Date)
    origin_date: Mapped[date | None] = mapped_column(Date)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    warm_handover: Mapped[bool] = mapped_column(Boolean, default=False)
    contract_end_date: Mapped[date | None] = mapped_column(Date)
    bsn: Mapped[str | None] = mapped_column(String(9))
    initials: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(200))
    huisnummer: Mapped[str] = mapped_column(String(10))
    toevoeging: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # enkelvoudig / meervoudig / opeenvolgend
    pattern: Mapped[str] = mapped_column(String(20))
    # Why no case was opened for it (kept and counted all the same), else NULL.
    suppressed_reason: Mapped[str | None] = mapped_column(String(120))
    # DDAS EnumSignaalstatus
    status: Mapped[str] = mapped_column(String(60), default="Nog niet opgepakt")
    grew: Mapped[bool] = mapped_column(Boolean, default=False)
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id"))
    source_line: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime]


class IngestRun(Base):
    """One `zaadje ingest` of one file, with its counts."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IngestIssue(Base):
    """A rejected row (with its raw values, so nothing a partner sent is lost) or a warning."""

    __tablename__ = "ingest_issues"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ingest_run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))  # error / warning
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
