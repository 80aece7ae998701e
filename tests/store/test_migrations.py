"""The migrations build exactly the schema the models describe, on both databases, and
`zaadje db upgrade` is idempotent."""

from __future__ import annotations

from alembic import command

from store.migrate import alembic_config, head_revision, upgrade
from tests.conftest import Cli


def test_models_and_migrations_agree(db_url: str) -> None:
    # Raises when autogenerate would find anything to add, drop or change.
    command.check(alembic_config(db_url))


def test_upgrade_twice_changes_nothing(cli: Cli) -> None:
    assert cli.json("db", "upgrade") == {"revision": head_revision()}
    assert upgrade(cli.db) == head_revision()
