"""Server-side desk sessions: a random token in the cookie, only its hash in the database.

A session ends after IDLE without a request, at ABSOLUTE after login whatever the activity,
or at logout. Each session has its own CSRF token, put in every form and checked on every POST.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.roles import User
from store.desk_models import DeskSession, DeskUser
from store.models import table_of

sessions_t = table_of(DeskSession)
users_t = table_of(DeskUser)

IDLE = timedelta(hours=1)
ABSOLUTE = timedelta(hours=10)  # a working day; log in again tomorrow
# Writing last_seen on every request would make each page view a write; a minute is exact
# enough for an idle limit of an hour.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str
    locale: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_session(conn: AsyncConnection, user: User, now: datetime) -> str:
    """A new session for `user`; returns the token for the cookie (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        insert(sessions_t).values(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        )
    )
    # Old sessions of anyone are cleared now and then, here rather than in a separate job.
    await conn.execute(delete(sessions_t).where(sessions_t.c.expires_at < now))
    return token


async def find_session(conn: AsyncConnection, token: str, now: datetime) -> Session | None:
    """The live session for a cookie token, its last activity moved to now; else None."""
    row = (
        await conn.execute(
            select(
                sessions_t.c.id,
                sessions_t.c.csrf_token,
                sessions_t.c.last_seen_at,
                sessions_t.c.expires_at,
                users_t.c.id.label("user_id"),
                users_t.c.name,
                users_t.c.role,
                users_t.c.locale,
                users_t.c.active,
            )
            .join(users_t, users_t.c.id == sessions_t.c.user_id)
            .where(sessions_t.c.token_hash == token_hash(token))
        )
    ).first()
    if row is None:
        return None
    if not row.active or now >= row.expires_at or now - row.last_seen_at >= IDLE:
        await conn.execute(delete(sessions_t).where(sessions_t.c.id == row.id))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        await conn.execute(
            update(sessions_t).where(sessions_t.c.id == row.id).values(last_seen_at=now)
        )
    return Session(row.id, User(row.user_id, row.name, row.role), row.csrf_token, row.locale)


async def end_session(conn: AsyncConnection, session_id: int) -> None:
    await conn.execute(delete(sessions_t).where(sessions_t.c.id == session_id))
