"""Backup and restore as docs/beheer.md describes them: deploy/zaadje-backup (`pg_dump -Fc`) of
a database with cases in progress, a fresh database, `pg_restore`, and Zaadje sees exactly the
same cases, tasks and messages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from store.migrate import head_revision
from tests.conftest import Cli, _admin, _pg_dsn, fresh_database, run_sync

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "signals.csv"
BACKUP_SCRIPT = ROOT / "deploy" / "zaadje-backup"
AT = "2026-11-27T09:00"


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, "postgresql", tmp_path)


def client(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {name} is missing (Debian: postgresql-client)")
        pytest.skip(f"{name} is not installed: backup and restore are not tested")
    return tool


def major(version: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version)
    assert found, version
    return int(found.group(1))


def server_major(url: str) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(_pg_dsn(url))
        try:
            return int(await conn.fetchval("SHOW server_version_num")) // 10000
        finally:
            await conn.close()

    return run_sync(go)


def run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr}"
    return done.stdout


def snapshot(cli: Cli) -> dict[str, Any]:
    return {
        "cases": cli.json("cases", "--now", AT),
        "tasks": cli.json("tasks"),
        "outbox": cli.json("outbox", "--all"),
    }


def test_dump_and_restore_keep_every_case(
    pg_url: str, pg_admin_url: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_dump, pg_restore = client("pg_dump"), client("pg_restore")
    server = server_major(pg_url)
    for tool in (pg_dump, pg_restore):
        version = run(tool, "--version")
        assert major(version) == server, f"{version.strip()} against server {server}"

    source = Cli(pg_url, capsys)
    ingest = source.json("ingest", str(DEMO), "--now", "2026-11-23T09:00")
    assert ingest["cases_opened"] > 5
    assert source.json("tick", "--now", "2026-11-23T10:00")["sent"] > 0
    # One resident answers "2" (arranges it themselves: closed), another "1" (a call back).
    for sender, text in (("+31610000001", "2"), ("+31610000002", "1")):
        source.json("reply", "--channel", "sms", "--sender", sender, "--text", text,
                    "--now", "2026-11-23T11:00")  # fmt: skip
    source.json("tick", "--now", "2026-11-26T10:00")
    before = snapshot(source)
    assert before["cases"] and before["tasks"] and before["outbox"]
    assert {case["state"] for case in before["cases"]} > {"open"}

    # deploy/zaadje-backup, as zaadje-backup.service runs it: pg_dump -Fc, read back, kept.
    backups = workdir / "backups"
    backups.mkdir()
    made = run(
        str(BACKUP_SCRIPT),
        env={
            **os.environ,
            "ZAADJE_BACKUP_DATABASE": _pg_dsn(pg_url),
            "ZAADJE_BACKUP_DIR": str(backups),
        },
    )
    dump = Path(made.strip())
    assert dump.parent == backups and dump.name.startswith("zaadje-") and dump.suffix == ".dump"
    assert [p.name for p in backups.iterdir()] == [dump.name]  # no .part left behind
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    restored_name = f"zaadje_restore_{uuid.uuid4().hex[:12]}"
    run_sync(lambda: _admin(pg_admin_url, f"CREATE DATABASE {restored_name} TEMPLATE template0"))
    try:
        restored_url = _pg_dsn(pg_admin_url, restored_name)
        run(pg_restore, "--exit-on-error", "--dbname", restored_url, str(dump))
        restored = Cli(restored_url, capsys)
        assert snapshot(restored) == before
        # The restored database is at the newest schema: `db upgrade` has nothing to do.
        assert restored.json("db", "upgrade")["revision"] == head_revision()
        # And it keeps working: the next pass runs on it as on the original.
        assert restored.json("tick", "--now", "2026-11-27T10:00") == source.json(
            "tick", "--now", "2026-11-27T10:00"
        )
    finally:
        run_sync(
            lambda: _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {restored_name} WITH (FORCE)")
        )
