"""The one opt-out list, for every channel: who may no longer get automatic messages.

An address is a phone number as E.164 or a chat as `telegram:<id>`; after an erasure it is
kept only as a hash (store/personal.py), and every lookup here sees both forms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Exists, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.channels import is_phone_channel
from store.models import OptOut, table_of
from store.personal import hashed_address
from store.queries import dialect_insert, member_of

optouts_t = table_of(OptOut)


def opt_out_address(channel: str, address: str) -> str:
    """One list for every channel: a phone number as E.164 (SMS and WhatsApp alike: a STOP by
    either silences both), a chat as `telegram:<id>`."""
    return address if is_phone_channel(channel) else f"{channel}:{address}"


def listed(phone: ColumnElement[Any]) -> Exists:
    """SQL for a set query: whether the number in `phone` is on the list. Plain numbers only:
    one kept as a hash after an erasure is not seen here, so such a case is planned on a
    message place and the engine, which sees both forms, holds the message."""
    return select(optouts_t.c.address).where(optouts_t.c.address == phone).exists()


async def opted_out_addresses(conn: AsyncConnection, addresses: list[str]) -> set[str]:
    """Which of these addresses are on the list (plain, or kept as a hash)."""
    if not addresses:
        return set()
    hashed = {hashed_address(a): a for a in addresses}
    rows = await conn.execute(
        select(optouts_t.c.address).where(member_of(optouts_t.c.address, "a", conn)),
        {"a": sorted(set(addresses) | set(hashed))},
    )
    return {hashed.get(a, a) for (a,) in rows}


async def is_opted_out(conn: AsyncConnection, address: str) -> bool:
    return bool(await opted_out_addresses(conn, [address]))


async def add_opt_out(
    conn: AsyncConnection, channel: str, address: str, source: str, now: datetime
) -> None:
    """Put the address on the list (`address` as `opt_out_address` gives it). One row per
    person: an address already kept (perhaps as a hash, after an erasure) is left as it is."""
    if await is_opted_out(conn, address):
        return
    await conn.execute(
        dialect_insert(conn, optouts_t).on_conflict_do_nothing(index_elements=["address"]),
        {"address": address, "channel": channel, "source": source, "created_at": now},
    )


async def lift_opt_out(conn: AsyncConnection, address: str) -> None:
    """START: the opt-out goes, also when it was kept only as a hash (after an erasure)."""
    await conn.execute(
        delete(optouts_t).where(optouts_t.c.address.in_((address, hashed_address(address))))
    )
