"""Two files taken in at the same moment on PostgreSQL, for the same addresses.

A batch is prepared without writing and then written in one transaction. When the other
intake stored some of the same signals, created one of the households, or opened a case for
one of them since the batch was prepared, the database's unique keys refuse the write and the
batch is prepared again, now finding what the other stored (signals/pipeline.py). Nothing is
lost and nothing doubles.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import PIPE
from typing import Any

import asyncpg
import pytest

from tests.conftest import fresh_database, run_sync
from tests.signals.test_ingest_cli import NOW, row, write_csv

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = 1500


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, "postgresql", tmp_path)


def _partner_file(path: Path, partner: str, amount: str = "450,00") -> Path:
    rows = [
        row(
            id=f"{partner[0]}-{n}",
            signaalpartner=partner,
            bedrag=amount,
            postcode=f"{1000 + n % 900}AB",
            huisnummer=str(1 + n // 900),
        )
        for n in range(ADDRESSES)
    ]
    return write_csv(path, rows)


def _at_once(pg_url: str, tmp_path: Path, files: list[Path]) -> list[dict[str, Any]]:
    """`zaadje ingest` of each file, all started at the same moment; their summaries."""
    config = tmp_path / "batches.toml"
    config.write_text("[intake]\nbatch_size = 100\n", encoding="utf-8")
    env = {**os.environ, "ZAADJE_CONFIG": str(config)}
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
    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
    return [json.loads(out) for out, _ in results]


def _stored(pg_url: str) -> tuple[int, int, int, int]:
    """Households, open cases, signals, and signals not in their household's open case."""

    async def stored() -> tuple[int, int, int, int]:
        conn = await asyncpg.connect(pg_url)
        try:
            households = await conn.fetchval("SELECT count(*) FROM households")
            open_cases = await conn.fetchval("SELECT count(*) FROM cases WHERE state = 'open'")
            signals = await conn.fetchval("SELECT count(*) FROM signals")
            # Every signal belongs to the open case of its own household.
            astray = await conn.fetchval(
                "SELECT count(*) FROM signals s LEFT JOIN cases c ON c.id = s.case_id"
                " WHERE s.case_id IS NOT NULL"
                " AND (c.household_id IS DISTINCT FROM s.household_id OR c.state <> 'open')"
            )
            return households, open_cases, signals, astray
        finally:
            await conn.close()

    return run_sync(stored)


def test_two_intakes_at_once_share_households_and_cases(pg_url: str, tmp_path: Path) -> None:
    files = [_partner_file(tmp_path / f"{p}.csv", p) for p in ("Huur", "Energie")]
    for summary in _at_once(pg_url, tmp_path, files):
        assert summary["accepted"] == ADDRESSES
    assert _stored(pg_url) == (ADDRESSES, ADDRESSES, 2 * ADDRESSES, 0)


def test_households_known_before_get_one_open_case(pg_url: str, tmp_path: Path) -> None:
    """The households exist already (signals under the minimum opened no case): both intakes
    find no case for them, and the one that writes second meets the other's open case."""
    (earlier,) = _at_once(pg_url, tmp_path, [_partner_file(tmp_path / "w.csv", "Water", "5,00")])
    assert earlier["suppressed"] == ADDRESSES and earlier["cases_opened"] == 0
    files = [_partner_file(tmp_path / f"{p}.csv", p) for p in ("Huur", "Energie")]
    summaries = _at_once(pg_url, tmp_path, files)
    assert sum(s["cases_opened"] for s in summaries) == ADDRESSES
    assert sum(s["accepted"] for s in summaries) == 2 * ADDRESSES
    assert _stored(pg_url) == (ADDRESSES, ADDRESSES, 3 * ADDRESSES, 0)


def test_the_same_file_twice_at_once_is_taken_in_once(pg_url: str, tmp_path: Path) -> None:
    path = _partner_file(tmp_path / "huur.csv", "Huur")
    summaries = _at_once(pg_url, tmp_path, [path, path])
    assert sum(s["accepted"] for s in summaries) == ADDRESSES
    assert sum(s["duplicates"] for s in summaries) == ADDRESSES
    assert _stored(pg_url) == (ADDRESSES, ADDRESSES, ADDRESSES, 0)


def test_an_intake_never_waits_for_maintenance_on_its_tables(pg_url: str, tmp_path: Path) -> None:
    """While another session holds its tables against maintenance (as a VACUUM, an ANALYZE
    or CREATE INDEX CONCURRENTLY does), a large intake still takes the whole file in and
    finishes: its own ANALYZE and VACUUM skip the tables they cannot have, they never wait."""
    path = _partner_file(tmp_path / "huur.csv", "Huur")
    config = tmp_path / "batches.toml"
    config.write_text("[intake]\nbatch_size = 100\n", encoding="utf-8")
    env = {**os.environ, "ZAADJE_CONFIG": str(config)}
    command = [sys.executable, "-m", "app.cli", "ingest", str(path), "--now", NOW, "--json"]

    async def ingest_while_held() -> tuple[int, str, str, int]:
        holder = await asyncpg.connect(pg_url)
        try:
            async with holder.transaction():
                await holder.execute(
                    "LOCK TABLE signals, households, cases IN SHARE UPDATE EXCLUSIVE MODE"
                )
                run = await asyncio.create_subprocess_exec(
                    *command, "--db", pg_url, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
                )
                try:
                    out, err = await asyncio.wait_for(run.communicate(), 120)
                except TimeoutError:
                    run.kill()
                    raise
                unfinished = await holder.fetchval(
                    "SELECT count(*) FROM ingest_runs WHERE finished_at IS NULL"
                )
            assert run.returncode is not None
            return run.returncode, out.decode(), err.decode(), unfinished
        finally:
            await holder.close()

    returncode, out, err, unfinished = run_sync(ingest_while_held)
    assert returncode == 0, err
    assert json.loads(out)["accepted"] == ADDRESSES
    assert unfinished == 0
    assert _stored(pg_url)[2] == ADDRESSES
