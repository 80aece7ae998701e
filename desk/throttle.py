"""Login rate limiting, in the database so that every desk process counts the same tries.

After LIMIT failed logins within WINDOW for one user name, or from one client address, further
tries are refused until the oldest failure in the window has aged out. A successful login
clears the name's failures (not the address's: one right password must not unlock guessing
other names from the same place).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from store.desk_models import DeskLoginAttempt
from store.models import table_of

attempts_t = table_of(DeskLoginAttempt)

LIMIT = 5
WINDOW = timedelta(minutes=15)


async def wait_needed(
    conn: AsyncConnection, name: str, address: str, now: datetime
) -> timedelta | None:
    """How long this name/address must wait before trying again, or None."""
    since = now - WINDOW
    waits = []
    keys = ((attempts_t.c.name, name.strip().lower()), (attempts_t.c.address, address))
    for column, value in keys:
        row = (
            await conn.execute(
                select(func.count(), func.min(attempts_t.c.at)).where(
                    column == value,
                    attempts_t.c.at > since,
                    attempts_t.c.succeeded.is_(False),
                )
            )
        ).one()
        if row[0] >= LIMIT:
            # The oldest failures leave the window first; enough must leave to be under LIMIT.
            oldest = (
                await conn.execute(
                    select(attempts_t.c.at)
                    .where(
                        column == value,
                        attempts_t.c.at > since,
                        attempts_t.c.succeeded.is_(False),
                    )
                    .order_by(attempts_t.c.at)
                    .offset(row[0] - LIMIT)
                    .limit(1)
                )
            ).scalar_one()
            waits.append(oldest + WINDOW - now)
    return max(waits) if waits else None


async def record(
    conn: AsyncConnection, name: str, address: str, succeeded: bool, now: datetime
) -> None:
    key = name.strip().lower()[:80]
    await conn.execute(
        insert(attempts_t).values(name=key, address=address[:64], succeeded=succeeded, at=now)
    )
    if succeeded:
        await conn.execute(
            delete(attempts_t).where(attempts_t.c.name == key, attempts_t.c.succeeded.is_(False))
        )
    # Keep the table small: nothing older than the window matters.
    await conn.execute(delete(attempts_t).where(attempts_t.c.at < now - WINDOW))
