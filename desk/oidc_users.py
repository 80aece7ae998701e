"""Who a single sign-on login is: the desk role from the provider's groups or roles claim, and
the desk user of the person (made at their first login, role kept in step afterwards).

A person is known by the issuer and their `sub` claim, never by name or e-mail address: those
can change or be given to someone else, and a name typed at a provider must not take over a
local account that happens to have the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from desk.oidc_config import ROLE_ORDER, OidcSettings
from desk.roles import User
from desk.users import users_t

NAME_LENGTH = 80


def role_for(claims: Mapping[str, Any], settings: OidcSettings) -> str | None:
    """The desk role of the person's mapped groups (the most powerful when several are), or
    None when no value of the role claim is mapped."""
    value = claims.get(settings.role_claim)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    mapped = {settings.roles[v] for v in values if isinstance(v, str) and v in settings.roles}
    return next((role for role in ROLE_ORDER if role in mapped), None)


@dataclass(frozen=True)
class SsoUser:
    user: User
    active: bool
    created: bool  # made by this login
    previous_role: str | None  # the role before this login, when the login changed it


async def sso_user(
    conn: AsyncConnection,
    settings: OidcSettings,
    claims: Mapping[str, Any],
    role: str,
    now: datetime,
) -> SsoUser:
    """The desk user of this person, made at their first login; their role follows the
    provider's groups at every login."""
    subject = str(claims["sub"])
    row = (
        await conn.execute(
            select(users_t.c.id, users_t.c.name, users_t.c.role, users_t.c.active).where(
                users_t.c.oidc_issuer == settings.issuer, users_t.c.oidc_subject == subject
            )
        )
    ).first()
    if row is not None:
        previous = None
        if row.role != role and row.active:
            await conn.execute(update(users_t).where(users_t.c.id == row.id).values(role=role))
            previous = row.role
        return SsoUser(User(int(row.id), row.name, role), bool(row.active), False, previous)
    name = await _free_name(conn, _wanted_name(claims, settings))
    try:
        user_id = await conn.scalar(
            insert(users_t)
            .values(
                name=name,
                role=role,
                password_hash=None,  # no password: this person logs in at the provider only
                locale="nl",
                active=True,
                created_at=now,
                oidc_issuer=settings.issuer,
                oidc_subject=subject,
            )
            .returning(users_t.c.id)
        )
    except IntegrityError as exc:  # the same person's first login twice at once
        raise LookupError("the desk user is being made by another login; try again") from exc
    assert user_id is not None
    return SsoUser(User(int(user_id), name, role), True, True, None)


def _wanted_name(claims: Mapping[str, Any], settings: OidcSettings) -> str:
    for claim in (settings.name_claim, "preferred_username", "email", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            # Desk names have no spaces (desk/users.py): "Ria de Vries" becomes "Ria.de.Vries".
            return ".".join(value.split())[:NAME_LENGTH]
    return "sso"


async def _free_name(conn: AsyncConnection, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, … when another user (a local account, or another
    person with the same name at the provider) has it already."""
    candidate, number = wanted, 1
    while await conn.scalar(
        select(users_t.c.id).where(func.lower(users_t.c.name) == candidate.lower())
    ):
        number += 1
        suffix = f"-{number}"
        candidate = wanted[: NAME_LENGTH - len(suffix)] + suffix
    return candidate


async def logs_in_at_provider(conn: AsyncConnection, user_id: int) -> bool:
    """Whether this desk user was made by single sign-on (so logging out includes the provider)."""
    issuer = await conn.scalar(select(users_t.c.oidc_issuer).where(users_t.c.id == user_id))
    return issuer is not None
