"""Two partners' files taken in at the same moment on PostgreSQL, for the same addresses.

Each intake looks its addresses up and then creates the missing households; when the other
intake created some of them in between, the insert meets their keys and the intake keeps the
other's households instead of failing. Nothing is lost and nothing doubles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import fresh_database, run_sync
from tests.signals.test_ingest_cli import NOW, row, write_csv

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = 1500


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, "postgresql", tmp_path)


def _partner_file(path: Path, partner: str) -> Path:
    rows = [
        row(
            id=f"{partner[0]}-{n}",
            signaalpartner=partner,
            postcode=f"{1000 + n % 900}AB",
            huisnummer=str(1 + n // 900),
        )
        for n in range(ADDRESSES)
    ]
    return write_csv(path, rows)


def test_two_intakes_at_once_share_households_and_cases(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "batches.toml"
    config.write_text("[intake]\nbatch_size = 100\n", encoding="utf-8")
    env = {**os.environ, "ZAADJE_CONFIG": str(config)}
    files = [_partner_file(tmp_path / f"{p}.csv", p) for p in ("Huur", "Energie")]
    command = [sys.executable, "-m", "app.cli", "ingest", "--now", NOW, "--json", "--db", pg_url]
    runs = [
        subprocess.Popen(
            [*command, str(f)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    try:
        results = [run.communicate(timeout=300) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.communicate()
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
        assert json.loads(out)["accepted"] == ADDRESSES

    async def stored() -> tuple[int, int, int, int]:
        conn = await asyncpg.connect(pg_url)
        try:
            households = await conn.fetchval("SELECT count(*) FROM households")
            open_cases = await conn.fetchval("SELECT count(*) FROM cases WHERE state = 'open'")
            signals = await conn.fetchval("SELECT count(*) FROM signals")
            # Every signal belongs to the open case of its own household.
            astray = await conn.fetchval(
                "SELECT count(*) FROM signals s LEFT JOIN cases c ON c.id = s.case_id"
                " WHERE c.household_id IS DISTINCT FROM s.household_id OR c.state <> 'open'"
            )
            return households, open_cases, signals, astray
        finally:
            await conn.close()

    assert run_sync(stored) == (ADDRESSES, ADDRESSES, 2 * ADDRESSES, 0)
