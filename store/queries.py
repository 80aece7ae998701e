"""Query helpers that differ per database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement


def member_of(column: Any, name: str, conn: AsyncConnection) -> ColumnElement[bool]:
    """`column IN (:name…)` for a list bound at execution.

    On PostgreSQL this is `column = ANY(:name)` with one array parameter: a single prepared
    statement whatever the list length, where an expanded IN list would be planned anew for
    every length (that cost more than the work itself at intake).
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def dialect_insert(conn: AsyncConnection | AsyncEngine, table: Any) -> Any:
    """An INSERT of the connection's own dialect, so `on_conflict_do_…` is available."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
