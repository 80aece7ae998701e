"""The tables. Later rooms add theirs by migration; every change here needs one too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

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
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Moments stored in UTC, returned timezone-aware on every database.

    SQLite has no time zones: without this it keeps the wall-clock text of whatever offset a
    value had and hands back naive datetimes, so comparing "due <= now" would be wrong.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Zaadje stores aware moments only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        datetime: UTCDateTime(),
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
        Index("ix_cases_stage_priority", "stage", "priority"),
        # The intake re-opens a case closed within the look-back window (migration 0010).
        Index(
            "ix_cases_closed_household",
            "household_id",
            "closed_at",
            sqlite_where=text("state = 'closed'"),
            postgresql_where=text("state = 'closed'"),
        ),
        # Sparse columns get partial indexes: a case opened by the intake has none of
        # them set, so its insert maintains fewer indexes.
        Index(
            "ix_cases_timer_due",
            "timer_due",
            sqlite_where=text("timer_due IS NOT NULL"),
            postgresql_where=text("timer_due IS NOT NULL"),
        ),
        # Only the few cases with news are indexed: the pass finds them without a scan.
        Index(
            "ix_cases_signal_news",
            "id",
            sqlite_where=text("signal_news"),
            postgresql_where=text("signal_news"),
        ),
        Index(
            "ix_cases_planned_at",
            "planned_at",
            sqlite_where=text("planned_at IS NOT NULL"),
            postgresql_where=text("planned_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_contact_phone",
            "contact_phone",
            sqlite_where=text("contact_phone IS NOT NULL"),
            postgresql_where=text("contact_phone IS NOT NULL"),
        ),
        Index(
            "ix_cases_telegram_chat",
            "telegram_chat_id",
            sqlite_where=text("telegram_chat_id IS NOT NULL"),
            postgresql_where=text("telegram_chat_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # No foreign key (migration 0008): the intake, the only writer of cases, takes the id
    # from the household it has just found or created; the key's check and row lock cost the
    # server ~19 µs per case opened. NULL while the case waits for its address
    # (state "address_unknown": a DDAS v1.2 signal that carried only a BSN, migration 0012).
    household_id: Mapped[int | None] = mapped_column(Id)
    # open / closed / address_unknown (no outreach until a caseworker completes the address)
    # / merged (its signals joined the household's case once the address was known)
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
    # -- outreach (the flow engine's state and the case's one live timer) --------------
    stage: Mapped[str] = mapped_column(String(40), default="new", server_default="new")
    flow_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    planned_at: Mapped[datetime | None]
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(40))
    # Twilio said this number cannot get WhatsApp (not on it, template undeliverable): the
    # case's later text steps go by SMS, whatever `[channels] order` prefers.
    sms_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    timer_due: Mapped[datetime | None]
    timer_name: Mapped[str | None] = mapped_column(String(40))
    timer_version: Mapped[int | None] = mapped_column(Integer)
    # A signal joined the case after outreach began; the engine hears of it as NewSignal.
    signal_news: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Retention / a data-subject request erased its personal data (store/personal.py).
    erased_at: Mapped[datetime | None]


class Signal(Base):
    """One arrears report from a signal partner, as normalised at intake."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("partner_type", "partner_signal_id", name="uq_signals_partner_id"),
        Index("ix_signals_household_date", "household_id", "signal_date"),
        Index("ix_signals_case", "case_id"),
        # Signals waiting for their address, found by BSN (migration 0012).
        Index(
            "ix_signals_waiting_bsn",
            "bsn",
            sqlite_where=text("household_id IS NULL"),
            postgresql_where=text("household_id IS NULL"),
        ),
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
    # DDAS v1.2 carries no name: NULL then (texts address "de bewoners").
    surname: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(200))
    # NULL for a v1.2 signal that carried only a BSN, until a caseworker completes it.
    huisnummer: Mapped[str | None] = mapped_column(String(10))
    toevoeging: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    # DDAS v1.2 geslachtsaanduiding (Man / Vrouw / Onbekend / Leeg), only to deliver it back.
    gender: Mapped[str | None] = mapped_column(String(10))
    # No foreign keys on signals (migration 0008): their checks and row locks cost the server
    # ~40 µs per signal stored; the intake, their only writer, takes these ids from rows it
    # has just found or created. NULL while the address is unknown.
    household_id: Mapped[int | None] = mapped_column(Id)
    case_id: Mapped[int | None] = mapped_column(Id)
    # enkelvoudig / meervoudig / opeenvolgend
    pattern: Mapped[str] = mapped_column(String(20))
    # Why no case was opened for it (kept and counted all the same), else NULL.
    suppressed_reason: Mapped[str | None] = mapped_column(String(120))
    # DDAS EnumSignaalstatus
    status: Mapped[str] = mapped_column(String(60), default="Nog niet opgepakt")
    grew: Mapped[bool] = mapped_column(Boolean, default=False)
    ingest_run_id: Mapped[int | None] = mapped_column(Id)
    source_line: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]  # personal data erased (store/personal.py)


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


class Outbox(Base):
    """A message to hand to a channel, recorded before it is sent (idempotency key)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    channel: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(8))  # as decided; `sent_locale` as sent
    message_key: Mapped[str] = mapped_column(String(80))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    confirms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending → sending → sent → delivered; or held (opt-out), withdrawn (a reply came
    # first), failed, error; or (a provider's
    # delivery receipt) undelivered
    status: Mapped[str] = mapped_column(String(20), default="pending")
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    sent_locale: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None] = mapped_column(Integer)
    provider_id: Mapped[str | None] = mapped_column(String(80), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # What the provider last reported by status callback (Twilio: queued … delivered /
    # undelivered / failed), its error code and when: kept apart from `status`, which is the
    # dispatcher's own record, so a callback racing the dispatcher never loses information.
    provider_status: Mapped[str | None] = mapped_column(String(20))
    provider_error: Mapped[str | None] = mapped_column(String(20))
    provider_status_at: Mapped[datetime | None]


class Task(Base):
    """Work for a caseworker: a phone call, a call-back, a home visit or a review."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status_priority", "status", "priority", "due"),
        Index("ix_tasks_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(20))  # phone / callback / home_visit / review
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open/claimed/done/cancelled
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[datetime]
    not_before: Mapped[datetime | None]
    daypart: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class ContactAttempt(Base):
    """A DDAS contactpoging (SMS, phone call, home visit, card), for the monitor and export."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    soort: Mapped[str] = mapped_column(String(20))
    bereikt: Mapped[bool] = mapped_column(Boolean)
    datum: Mapped[date] = mapped_column(Date)
    dagdeel: Mapped[str | None] = mapped_column(String(10))


class OptOut(Base):
    """A global opt-out: no automatic message ever goes to this address until START."""

    __tablename__ = "opt_outs"

    address: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40))  # reply / provider / caseworker
    created_at: Mapped[datetime]


class Inbound(Base):
    """Every message a resident sent, stored before it is acknowledged or handled."""

    __tablename__ = "inbound"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_inbound_provider"),
        Index("ix_inbound_sender", "channel", "sender"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(80))
    sender: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    intent: Mapped[str | None] = mapped_column(String(30))
    handled_at: Mapped[datetime | None]


class SimulatedMessage(Base):
    """What the simulated channel "sent": one row per idempotency key, counting hand-overs,
    so a test or a demo can see that no message was handed over twice."""

    __tablename__ = "simulated_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    handovers: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime]


class SchedulerState(Base):
    """Small facts the passes keep between runs (e.g. the last day priorities aged)."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as a Table for insert/update statements."""
    return cast(Table, model.__table__)
