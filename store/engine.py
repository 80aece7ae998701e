"""Engines for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    create_async_engine,
)

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class UnsupportedDatabase(ValueError):
    pass


def async_url(url: str) -> URL:
    """`sqlite:///x.db` / `postgresql://…` → the async driver Zaadje uses for it."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a long text
        raise UnsupportedDatabase(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in ASYNC_DRIVERS:
        raise UnsupportedDatabase(
            f"unsupported database {backend!r}: use sqlite:// or postgresql://"
        )
    return parsed.set(drivername=ASYNC_DRIVERS[backend])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the desk) work while the single writer commits; busy_timeout makes a
    # second process wait for the write lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Take transactions into our own hands (see _sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    # SQLite is the single-writer store: BEGIN IMMEDIATE takes the write lock up front, so a
    # second process waits (busy_timeout) instead of failing half-way with "database is
    # locked", and a case read in a transaction cannot change before that transaction writes.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Errors and logs must never carry residents' data (phone numbers, replies) from the
    # statement's parameters.
    kwargs.setdefault("hide_parameters", True)
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("pool_pre_ping", True)
    # Said, not assumed from the server's default: a statement sees what others committed
    # before it (a batch prepared again after a clash, an erasure after its lock wait).
    kwargs.setdefault("isolation_level", "READ COMMITTED")
    # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic
    # plan made when a table was still small (a sequential scan), which made intake batches
    # 50x slower as the tables grew. Custom plans are cheap for our short queries.
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("server_settings", {}).setdefault(
        "plan_cache_mode", "force_custom_plan"
    )
    return create_async_engine(parsed, **kwargs)
