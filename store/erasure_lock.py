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

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The advisory lock's key, made as casework/link_codes.py makes its own.
KEY = int.from_bytes(hashlib.sha256(b"zaadje:erasure").digest()[:8], "big") >> 1


async def lock_for_erasure(conn: AsyncConnection) -> None:
    """Until this transaction ends, no intake batch writes."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY})


async def lock_for_intake(conn: AsyncConnection) -> None:
    """Until this transaction ends, no erasure runs (other intake batches may)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": KEY})
