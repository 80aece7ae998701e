"""Login rate limiting, in the database so that every desk process counts the same tries.

After LIMIT failed logins within WINDOW for one user name, or from one client address, further
tries are refused until the oldest failure in the window has aged out. A successful login
clears the name's failures (not the address's: one right password must not unlock guessing
other names from the same place).

Each try is written down as a failure *before* its password is checked (`begin`), and only
then are the other failures counted (`wait_needed`, leaving out this try). Checking first and
writing afterwards would let many tries sent at once all pass the check while each one's
password was still being hashed: more than LIMIT guesses per window.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from store.desk_models import DeskLoginAttempt
from store.models import table_of

attempts_t = table_of(DeskLoginAttempt)

LIMIT = 5
WINDOW = timedelta(minutes=15)


def name_key(name: str) -> str:
    """A name as the throttle counts it: a hash of it trimmed and lower-cased. Never the name
    as typed: people type their password into the name field now and then, and the table
    would keep it in plain text."""
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()


async def begin(conn: AsyncConnection, name: str, address: str, now: datetime) -> int:
    """Write this try down as a failed one (it becomes a success in `succeeded`); its id.
    Commit before calling `wait_needed`, so that tries running at once see each other."""
    attempt_id = await conn.scalar(
        insert(attempts_t)
        .values(name=name_key(name), address=address[:64], succeeded=False, at=now)
        .returning(attempts_t.c.id)
    )
    assert attempt_id is not None
    # Keep the table small: nothing older than the window matters.
    await conn.execute(delete(attempts_t).where(attempts_t.c.at < now - WINDOW))
    return int(attempt_id)


async def wait_needed(
    conn: AsyncConnection, name: str, address: str, now: datetime, attempt: int | None = None
) -> timedelta | None:
    """How long this name/address must wait before trying again, or None. `attempt` (this
    try, from `begin`) is not counted against itself."""
    since = now - WINDOW
    waits = []
    for column, value in ((attempts_t.c.name, name_key(name)), (attempts_t.c.address, address)):
        failures = [
            column == value,
            attempts_t.c.at > since,
            attempts_t.c.succeeded.is_(False),
        ]
        if attempt is not None:
            failures.append(attempts_t.c.id != attempt)
        count = int(await conn.scalar(select(func.count()).where(*failures)) or 0)
        if count >= LIMIT:
            # The oldest failures leave the window first; enough must leave to be under LIMIT.
            oldest = (
                await conn.execute(
                    select(attempts_t.c.at)
                    .where(*failures)
                    .order_by(attempts_t.c.at)
                    .offset(count - LIMIT)
                    .limit(1)
                )
            ).scalar_one()
            waits.append(oldest + WINDOW - now)
    return max(waits) if waits else None


async def withdraw(conn: AsyncConnection, attempt: int) -> None:
    """A try refused before its password was checked: it guessed nothing, so it does not
    count (else someone who keeps trying would keep a name locked for ever)."""
    await conn.execute(delete(attempts_t).where(attempts_t.c.id == attempt))


async def succeeded(conn: AsyncConnection, attempt: int, name: str) -> None:
    """The password was right: this try counts as a success, the name's failures are cleared."""
    await conn.execute(update(attempts_t).where(attempts_t.c.id == attempt).values(succeeded=True))
    await conn.execute(
        delete(attempts_t).where(
            attempts_t.c.name == name_key(name), attempts_t.c.succeeded.is_(False)
        )
    )
