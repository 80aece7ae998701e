"""A resident's erasure asked for while a file with a new signal of hers is taken in: the
erasure waits for the batch being written and then erases its signal too; it never leaves
her new signal on her erased case (store/erasure_lock.py)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import signals.pipeline
from app.cli import main
from app.runtime import calendar_for, parse_now
from app.settings import load_settings
from signals import bulk
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from tests.conftest import Cli, on_db, run_sync
from tests.retention.residents import ANNA, BART, CARLA, found, ingest, signal_file

NOW = "2026-11-16T08:00"


async def _advisory_locks(db_url: str, granted: bool) -> int:
    """PostgreSQL: how many advisory locks on this database are held (`granted`) or waited
    for."""
    probe = make_engine(db_url)
    try:
        async with probe.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = :g"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return int(await conn.scalar(text(query), {"g": granted}) or 0)
    finally:
        await probe.dispose()


async def _erasure_waits(db_url: str, erasing: threading.Thread) -> bool:
    """Whether the erasure came to wait for the intake's lock (PostgreSQL; on SQLite its
    BEGIN IMMEDIATE waits unseen), rather than finishing first."""
    if not db_url.startswith("postgresql"):
        await asyncio.sleep(0.5)
        return erasing.is_alive()
    for _ in range(400):
        if not erasing.is_alive():
            return False
        if await _advisory_locks(db_url, granted=False):
            return True
        await asyncio.sleep(0.05)
    return False


def _erased_at_first_write(
    db_url: str,
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    batch_size: int | None = None,
    clash: bool = False,
) -> dict[str, Any]:
    """`path` taken in while `zaadje erase` of Anna is asked for as its first batch is about
    to be written (with `clash`, once the next batch holds its lock too, and that first write
    then clashes); the intake's summary, once the erasure waited for the lock and succeeded."""
    codes: list[int] = []
    command = ["erase", "--phone", ANNA.phone, "--now", NOW, "--db", db_url, "--json"]
    erasing = threading.Thread(target=lambda: codes.append(main(command)))
    write = signals.pipeline.write
    waited: list[bool] = []

    async def erasure_asked_meanwhile(conn: Any, prepared: Any) -> None:
        if not waited:
            while clash and await _advisory_locks(db_url, granted=True) < 2:
                await asyncio.sleep(0.05)
            erasing.start()
            waited.append(await _erasure_waits(db_url, erasing))
            if clash:
                raise bulk.Clash("as if an intake alongside had just opened this case")
        await write(conn, prepared)

    monkeypatch.setattr(signals.pipeline, "write", erasure_asked_meanwhile)
    settings = load_settings(db_url)
    calendar = calendar_for(settings)
    intake = IntakeSettings.from_config(settings.config, calendar)
    if batch_size is not None:
        intake = replace(intake, batch_size=batch_size)

    async def take_in() -> dict[str, Any]:
        engine = make_engine(db_url)
        try:
            # A hang (the cycle _commit's docstring names) fails here instead of stopping CI.
            ingest = ingest_file(engine, path, None, parse_now(NOW, calendar), intake)
            return await asyncio.wait_for(ingest, timeout=60)
        finally:
            await engine.dispose()

    summary = run_sync(take_in)
    erasing.join(timeout=30)
    assert waited == [True] and codes == [0]
    return summary


def test_an_erasure_during_an_intake_takes_her_new_signal_too(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(cli, tmp_path, [ANNA.row("A-1"), BART.row("B-1")], "2026-11-02T08:00")
    # The batch decides that A-2 joins her open case; the erasure is asked for as it writes.
    path = signal_file(tmp_path, [ANNA.row("A-2", partner="Energie")])
    summary = _erased_at_first_write(db_url, path, monkeypatch)
    assert summary["accepted"] == 1 and summary["cases_updated"] == 1
    # Her new signal was erased with the rest of her; Bart's data is untouched.
    assert found(cli.db, ANNA.traces()) == []
    assert found(cli.db, [BART.surname, BART.bsn])


def test_an_erasure_waiting_while_a_batch_clashes_holds_up_nothing(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL writes one batch while it prepares the next. The erasure waits for both;
    when the first clashes with an intake alongside and is prepared again, it must not wait
    for the erasure (which waits for the second batch, which waits for the first)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite writes one batch at a time")
    ingest(cli, tmp_path, [ANNA.row("A-1")], "2026-11-02T08:00")
    rows = [ANNA.row("A-2", partner="Energie"), BART.row("B-1"), CARLA.row("C-1")]
    path = signal_file(tmp_path, rows)
    summary = _erased_at_first_write(db_url, path, monkeypatch, batch_size=1, clash=True)
    assert summary["accepted"] == 3
    # Her new signal was erased with her case, or (written after the erasure) opened a new
    # one; never is it left on the erased case.
    assert on_db(db_url, _kept_on_erased_cases) == 0
    assert found(cli.db, [BART.surname, CARLA.surname])


async def _kept_on_erased_cases(conn: Any) -> int:
    query = (
        "SELECT count(*) FROM signals s JOIN cases c ON c.id = s.case_id"
        " WHERE c.erased_at IS NOT NULL AND s.erased_at IS NULL"
    )
    return int((await conn.execute(text(query))).scalar_one())
