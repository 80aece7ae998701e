"""Desk users: adding them and checking passwords (argon2 hashes, never the password)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.roles import ROLES, User
from store.desk_models import DeskUser
from store.models import table_of

users_t = table_of(DeskUser)
_hasher = PasswordHasher()  # argon2id with RFC 9106's low-memory profile
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password
# and the timing does not tell which names exist. Made on first use: every `zaadje` command
# imports this module, and a hash costs ~120 ms.
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a password of anyone")
    return _dummy_hash


def use_parameters(parameters: Parameters) -> None:
    """Hash new passwords with other argon2 parameters (the test suite uses argon2's cheapest
    profile to stay fast; production keeps the default). Existing hashes keep verifying."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash = None


# A desk password guards residents' names and amounts: at least this long, whether the user
# is added on the command line or by an admin on the desk.
MIN_PASSWORD = 12


class UserError(ValueError):
    """A user that cannot be added: bad name or role, short password, name taken."""


def _check(name: str, role: str, password: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 80 or any(c.isspace() for c in clean):
        raise UserError("a user name is 1 to 80 characters without spaces")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: at least {MIN_PASSWORD} characters")
    return clean


async def add_user(
    engine: AsyncEngine, name: str, role: str, password: str, locale: str = "nl"
) -> User:
    """Add a desk user. The name is stored as given and matched case-insensitively."""
    clean = _check(name, role, password)
    # argon2 is slow on purpose: off the event loop, so other requests go on meanwhile.
    hashed = await asyncio.to_thread(_hasher.hash, password)
    async with engine.begin() as conn:
        taken = await conn.scalar(
            select(users_t.c.id).where(func.lower(users_t.c.name) == clean.lower())
        )
        if taken is not None:
            raise UserError(f"user {clean!r} exists already")
        try:
            user_id = await conn.scalar(
                insert(users_t)
                .values(
                    name=clean,
                    role=role,
                    password_hash=hashed,
                    locale=locale,
                    active=True,
                    created_at=datetime.now(UTC),
                )
                .returning(users_t.c.id)
            )
        except IntegrityError as exc:  # two adds racing for one name
            raise UserError(f"user {clean!r} exists already") from exc
    assert user_id is not None
    return User(int(user_id), clean, role)


async def verify_password(conn: AsyncConnection, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    row = (
        await conn.execute(
            select(users_t).where(func.lower(users_t.c.name) == name.strip().lower())
        )
    ).first()
    hasher = _hasher
    # A user made by single sign-on has no password: checked against the dummy like an
    # unknown name (same cost), and never let in by a password.
    stored = row.password_hash if row is not None else None
    try:
        await asyncio.to_thread(hasher.verify, stored or _dummy(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active or stored is None:
        return None
    if hasher.check_needs_rehash(stored):
        # argon2's parameters changed since this hash was made: store one made with today's.
        rehashed = await asyncio.to_thread(hasher.hash, password)
        await conn.execute(
            update(users_t).where(users_t.c.id == row.id).values(password_hash=rehashed)
        )
    return User(int(row.id), row.name, row.role)


async def list_users(conn: AsyncConnection) -> list[dict[str, object]]:
    rows = await conn.execute(
        select(users_t.c.id, users_t.c.name, users_t.c.role, users_t.c.active).order_by(
            users_t.c.name
        )
    )
    return [dict(r._mapping) for r in rows]
