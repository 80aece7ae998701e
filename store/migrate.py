"""Running Alembic from code, so `zaadje db upgrade` needs no alembic.ini in the working dir."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return heads[0]


def upgrade(url: str) -> str:
    """Migrate to the newest revision and return it.

    Alembic's env.py runs its own event loop; when called from inside a running loop (a test
    or the server) it runs on a short-lived thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(alembic_config(url), "head")
    else:
        errors: list[BaseException] = []

        def target() -> None:
            try:
                command.upgrade(alembic_config(url), "head")
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)

        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
        if errors:
            raise errors[0]
    return head_revision()


async def current_revision(connection: object) -> str | None:
    def read(sync_conn: object) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()  # type: ignore[arg-type]

    return await connection.run_sync(read)  # type: ignore[attr-defined]
