"""A pass that must run once at a time across workers (plan, age) takes this lock."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_pass_lock(conn: AsyncConnection, name: str) -> bool:
    """True when this transaction may run the pass; released at commit or rollback.

    SQLite transactions already run one at a time (BEGIN IMMEDIATE), so there it is always
    granted.
    """
    if conn.dialect.name != "postgresql":
        return True
    granted = await conn.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": f"zaadje.{name}"}
    )
    return bool(granted)
