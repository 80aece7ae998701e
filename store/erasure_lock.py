"""One lock between erasure and the intake's writes (PostgreSQL; SQLite's transactions
already run one at a time, BEGIN IMMEDIATE).

An intake batch decides from what it read of a household and its case (signals/households.py)
and writes in the same transaction; an erasure finds everything of a resident and erases it
in its own. Run side by side, a batch could join new signals to a case or address erased
meanwhile, and an erasure could miss signals a batch committed meanwhile. So an erasure
holds the lock exclusively, from before it reads, and each intake batch shares it (as does
completing a waiting case's address, casework/address.py): erasure waits for the batches in
flight, and the next ones wait for the erasure.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def lock_for_erasure(conn: AsyncConnection) -> None:
    """Until this transaction ends, no intake batch writes."""
    await _lock(conn, "pg_advisory_xact_lock")


async def lock_for_intake(conn: AsyncConnection) -> None:
    """Until this transaction ends, no erasure runs (other intake batches may)."""
    await _lock(conn, "pg_advisory_xact_lock_shared")


async def _lock(conn: AsyncConnection, function: str) -> None:
    if conn.dialect.name == "postgresql":
        # Keyed by name, as the scheduler's pass locks are (scheduler/locks.py).
        await conn.execute(text(f"SELECT {function}(hashtext('zaadje.erasure'))"))
