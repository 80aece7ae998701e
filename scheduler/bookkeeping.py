"""The passes' bookkeeping: small named values kept in the database (not in a worker's memory),
such as the day the plan last ran, so that every worker sees the same."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import SchedulerState, table_of
from store.queries import dialect_insert

table = table_of(SchedulerState)


async def read_value(conn: AsyncConnection, name: str) -> str | None:
    value = await conn.scalar(select(table.c.value).where(table.c.name == name))
    return str(value) if value is not None else None


async def write_value(conn: AsyncConnection, name: str, value: str) -> None:
    stmt = dialect_insert(conn, table).values(name=name, value=value)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value}))
