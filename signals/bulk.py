"""The intake's bulk writes, as SQLAlchemy would store the values: PostgreSQL's through COPY as
CSV that polars writes in one call (asyncpg's own encoding cost ~5 µs per row), SQLite's
through the driver's executemany."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

# Moments are stored in UTC (store.models.UTCDateTime): on SQLite as SQLAlchemy's text.
_MOMENT = {"postgresql": "%Y-%m-%dT%H:%M:%S%.6f+00:00", "sqlite": "%Y-%m-%d %H:%M:%S%.6f"}


class Clash(Exception):
    """Another intake wrote what this batch was prepared without (found after the fact)."""


# PostgreSQL's unique_violation and deadlock_detected (between two intakes' writes).
_CLASHES = ("23505", "40P01")


def is_clash(exc: BaseException) -> bool:
    """A write refused because another intake got there first (a unique key, a deadlock or
    `Clash`), raw from the driver or wrapped by SQLAlchemy. Not a NOT NULL or CHECK, which
    preparing the batch again would not mend."""
    if isinstance(exc, Clash):
        return True
    if isinstance(exc, DBAPIError):
        exc = exc.orig  # type: ignore[assignment]
    if getattr(exc, "sqlstate", None) in _CLASHES:
        return True
    unique = ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
    return isinstance(exc, sqlite3.IntegrityError) and exc.sqlite_errorname in unique


@dataclass(frozen=True)
class Encoded:
    """A frame's rows as the database takes them (`encode`)."""

    columns: list[str]
    data: Any  # CSV (PostgreSQL's COPY) or tuples (SQLite's executemany)


def encode(frame: pl.DataFrame, dialect: str) -> Encoded:
    frame = frame.with_columns(
        pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime(_MOMENT[dialect])
    )
    if dialect == "postgresql":
        return Encoded(frame.columns, frame.write_csv(include_header=False).encode())
    frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    return Encoded(frame.columns, frame.rows())


async def insert_rows(conn: AsyncConnection, table: str, rows: pl.DataFrame | Encoded) -> None:
    """`rows` into `table`, their columns named as the table's."""
    if isinstance(rows, pl.DataFrame):
        rows = encode(rows, conn.dialect.name)
    if not rows.data:
        return
    raw: Any = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name == "postgresql":
        # In `conn`'s transaction, which SQLAlchemy begins on its own first statement.
        if not raw.is_in_transaction():
            await conn.execute(text("SELECT 1"))
        source = _whole(rows.data)
        await raw.copy_to_table(table, source=source, columns=rows.columns, format="csv")
        return
    columns = ", ".join(rows.columns)
    marks = ", ".join("?" for _ in rows.columns)
    await raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows.data)


async def _whole(data: bytes) -> AsyncIterator[bytes]:
    """The rows at once: from a file, asyncpg reads 512 KB per turn of the event loop, which
    the next batch keeps busy, and the server sat idle."""
    yield data


async def next_ids(conn: AsyncConnection, table: str, n: int) -> list[int]:
    """`n` ids for new rows of `table`, taken before they are written (signals name their
    new case)."""
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            text(f"SELECT nextval('{table}_id_seq') FROM generate_series(1, :n)"), {"n": n}
        )
        return [r[0] for r in rows]
    # SQLite: the transaction began IMMEDIATE (store.engine), so it holds the only write lock.
    top = (await conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}"))).scalar_one()
    return list(range(top + 1, top + 1 + n))
