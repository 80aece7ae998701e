"""`zaadje users add`: desk users from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.access import User
from desk.build import missing_dutch
from desk.users import verify_password
from store.desk_models import DeskUser
from store.engine import make_engine
from store.models import table_of
from tests.conftest import Cli, run_sync


def test_users_add_stores_an_argon2_hash_and_refuses_mistakes(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = cli.json("users", "add", "ria", "--role", "caseworker", "--password", "a-good-password")
    assert added == {"id": added["id"], "name": "ria", "role": "caseworker"}
    monkeypatch.setenv("ZAADJE_NEW_PASSWORD", "another-good-password")
    assert cli.json("users", "add", "cora", "--role", "coordinator")["role"] == "coordinator"

    async def check() -> tuple[str, object, object]:
        engine = make_engine(cli.db)
        try:
            async with engine.connect() as conn:
                stored = await conn.scalar(select(table_of(DeskUser).c.password_hash))
                right = await verify_password(conn, "Ria", "a-good-password")
                wrong = await verify_password(conn, "ria", "a-bad-password")
        finally:
            await engine.dispose()
        return str(stored), right, wrong

    stored, right, wrong = run_sync(check)
    assert stored.startswith("$argon2id$") and "a-good-password" not in stored
    assert right == User(added["id"], "ria", "caseworker") and wrong is None

    for args, message in (
        (("ria", "--role", "admin", "--password", "a-good-password"), "exists already"),
        (("RIA", "--role", "admin", "--password", "a-good-password"), "exists already"),
        (("sam", "--role", "caseworker", "--password", "short"), "too short"),
        (("sam", "--role", "boss", "--password", "a-good-password"), "invalid choice"),
        (("two words", "--role", "admin", "--password", "a-good-password"), "without spaces"),
    ):
        code, out, err = cli.run("users", "add", *args)
        assert code == 2 and message in err and "Traceback" not in err, args
        assert out == ""


def test_every_interface_text_of_the_desk_has_dutch() -> None:
    assert missing_dutch() == []
