"""Opening the database for a command, with errors a user can act on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import UserError
from app.runtime import engine_for
from app.settings import Settings
from store.migrate import current_revision, head_revision


@asynccontextmanager
async def open_database(
    settings: Settings,
) -> AsyncIterator[AsyncEngine]:
    """An engine on a reachable, migrated database; disposed afterwards."""
    _sqlite_file_exists(settings.database_url)
    engine = engine_for(settings)
    try:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                revision = await current_revision(conn)
        except (OperationalError, DBAPIError, OSError) as exc:
            raise UserError(
                f"cannot open database {_safe(settings.database_url)}: {_first_line(exc)}"
            ) from exc
        if revision != head_revision():
            raise UserError(
                f"database {_safe(settings.database_url)} is not migrated "
                f"(at {revision or 'nothing'}, need {head_revision()}): run `zaadje db upgrade`"
            )
        yield engine
    finally:
        await engine.dispose()


def _sqlite_file_exists(url: str) -> None:
    """SQLite creates a missing file on connecting: a mistyped path would leave an empty
    database behind and then be called "not migrated"."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        raise UserError(f"no database at {parsed.database}: `zaadje db upgrade` creates one there")


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc)
    return text_.strip().splitlines()[0] if text_.strip() else type(exc).__name__


def _safe(url: str) -> str:
    """The URL without a password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"
