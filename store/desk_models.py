"""The desk: users, sessions, login attempts, the audit log, and the work queue's index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Household, Id, Task, table_of

_tasks = table_of(Task)

# The caseworkers' work queue: open and claimed tasks, highest priority first, then the
# earliest due. Partial, so the index holds only live work however many tasks are done.
Index(
    "ix_tasks_queue",
    _tasks.c.priority.desc(),
    _tasks.c.due,
    _tasks.c.id,
    sqlite_where=text("status IN ('open', 'claimed')"),
    postgresql_where=text("status IN ('open', 'claimed')"),
)

# "Mine": a caseworker's claimed tasks in queue order, without walking everyone's.
Index(
    "ix_tasks_claimed",
    _tasks.c.claimed_by,
    _tasks.c.priority.desc(),
    _tasks.c.due,
    _tasks.c.id,
    sqlite_where=text("status = 'claimed'"),
    postgresql_where=text("status = 'claimed'"),
)

# The postcode-area filter: from the area's households to their cases and tasks, instead of
# walking the whole queue looking for the few in one area.
Index("ix_households_postcode", table_of(Household).c.postcode)


class DeskUser(Base):
    """A person who may log in to the desk; the password only as an argon2 hash. A user made
    by a single sign-on login has no password and is known by issuer and subject instead."""

    __tablename__ = "desk_users"
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_desk_users_oidc_subject"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # caseworker/communicator/coordinator/admin
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: single sign-on only
    locale: Mapped[str] = mapped_column(String(8), default="nl")  # interface language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # OpenID Connect: the provider's issuer and the person's `sub` (never reassigned, unlike a
    # name or an e-mail address), set when the first single sign-on login made this user.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


class DeskSession(Base):
    """A logged-in browser. Only a hash of the cookie's token is kept: a copy of this table
    cannot be used to log in."""

    __tablename__ = "desk_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute end, whatever the activity


class DeskLoginAttempt(Base):
    """A login try, kept for rate limiting in the database so every process agrees."""

    __tablename__ = "desk_login_attempts"
    __table_args__ = (
        Index("ix_desk_login_attempts_name_at", "name", "at"),
        Index("ix_desk_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))  # SHA-256 of the name typed (desk/throttle.py)
    address: Mapped[str] = mapped_column(String(64))  # the client's IP address
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class DeskAudit(Base):
    """Who viewed which case and did what, when. No foreign keys: the trail outlives a purged
    case or a removed user."""

    __tablename__ = "desk_audit"
    __table_args__ = (
        Index("ix_desk_audit_case", "case_id"),
        Index("ix_desk_audit_at", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(Id)
    task_id: Mapped[int | None] = mapped_column(Id)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
