"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL. Each test gets its own database, cloned from a
migrated template (fast), so tests never see each other's rows. Under CI a missing or
unreachable PostgreSQL fails the run instead of skipping it (CONTRACT §1).

Under pytest-xdist every worker is a process of its own: its PostgreSQL template is named by
its pid, its SQLite template and test directories live under its own basetemp, servers listen
on ports the system picks, and the browser tests launch their own chromium.

Markers (registered in pyproject.toml) are set here from the fixtures a test uses:
`postgres` for a test on the PostgreSQL backend, `browser` for one that drives chromium.
`slow` (over about 3 s) is set by hand on the tests themselves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.cli import main
from store.engine import make_engine
from store.migrate import upgrade

T = TypeVar("T")
BACKENDS = ("sqlite", "postgresql")
# Fixtures that reach PostgreSQL whatever the parametrization (`pg_url`: a test module's own
# fresh PostgreSQL database), and the desk's Playwright page (tests/desk/conftest.py).
POSTGRES_FIXTURES = frozenset({"pg_admin_url", "pg_template", "pg_url"})
BROWSER_FIXTURES = frozenset({"page"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        backends = (
            {v for v in callspec.params.values() if isinstance(v, str)} if callspec else set()
        )
        if fixtures & POSTGRES_FIXTURES or "postgresql" in backends:
            item.add_marker(pytest.mark.postgres)
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


def run_sync(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a private loop, also from inside a running loop."""
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(asyncio.run(coro_fn()))
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def on_db(db_url: str, work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run `work(connection)` in a transaction of its own on a fresh engine."""

    async def go() -> T:
        engine = make_engine(db_url)
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return run_sync(go)


def _pg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _logging_as_found() -> Iterator[None]:
    """`zaadje` commands run in-process configure logging for the whole process (a handler on
    the root logger, library warnings captured). Undone after each test, so that every test
    starts from the same logging whichever test ran before it in this worker."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    logging.captureWarnings(False)
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    in_ci = bool(os.environ.get("CI"))
    if not url:
        if in_ci:
            pytest.fail("CI is set but TEST_DATABASE_URL is not: PostgreSQL tests are required")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")

    async def probe() -> None:
        conn = await asyncpg.connect(_pg_dsn(url), timeout=5)
        await conn.close()

    try:
        run_sync(probe)
    except Exception as exc:
        if in_ci:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable under CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    name = f"zaadje_tpl_{os.getpid()}"
    run_sync(
        lambda: _admin(
            pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"
        )
    )
    upgrade(_pg_dsn(pg_admin_url, name))
    yield name
    run_sync(lambda: _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "zaadje.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "zaadje.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    template_name: str = request.getfixturevalue("pg_template")
    name = f"zaadje_t_{uuid.uuid4().hex[:12]}"
    run_sync(lambda: _admin(admin, f"CREATE DATABASE {name} TEMPLATE {template_name}"))
    yield _pg_dsn(admin, name)
    run_sync(lambda: _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    yield from fresh_database(request, request.param, tmp_path)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory with a clean environment (no .env, no provider secrets)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in list(os.environ):
        if name.startswith(("TWILIO_", "TELEGRAM_", "ZAADJE_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    return work


class Cli:
    """`zaadje …` run in-process, as a user or script would run it."""

    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--db", self.db])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str, expect: int = 0) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == expect, f"exit {code}, stderr: {err}"
        return json.loads(out)


@pytest.fixture
def cli(db_url: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys)
