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
from tests.retention.residents import ANNA, BART, CARLA, HEADER, found, ingest

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
    for _ in range(400):
        if not erasing.is_alive():
            return False
        if not db_url.startswith("postgresql"):
            await asyncio.sleep(0.5)
            return erasing.is_alive()
        if await _advisory_locks(db_url, granted=False):
            return True
        await asyncio.sleep(0.05)
    return False


def _erasure(db_url: str, codes: list[int]) -> threading.Thread:
    """`zaadje erase` of Anna, in a thread of its own once started."""
    command = ["erase", "--phone", ANNA.phone, "--now", NOW, "--db", db_url, "--json"]
    return threading.Thread(target=lambda: codes.append(main(command)))


def _ingest(db_url: str, path: Path, batch_size: int | None = None) -> dict[str, Any]:
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

    return run_sync(take_in)


def test_an_erasure_during_an_intake_takes_her_new_signal_too(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(cli, tmp_path, [ANNA.row("A-1"), BART.row("B-1")], "2026-11-02T08:00")
    path = tmp_path / "later.csv"
    path.write_text(HEADER + ANNA.row("A-2", partner="Energie") + "\n", encoding="utf-8")
    codes: list[int] = []
    erasing = _erasure(db_url, codes)
    write = signals.pipeline.write

    waited: list[bool] = []

    async def erasure_asked_meanwhile(conn: Any, prepared: Any) -> None:
        # The batch has decided that A-2 joins her open case, and writes it now.
        if not waited:
            erasing.start()
            waited.append(await _erasure_waits(db_url, erasing))
        await write(conn, prepared)

    monkeypatch.setattr(signals.pipeline, "write", erasure_asked_meanwhile)
    summary = _ingest(db_url, path)
    erasing.join(timeout=30)
    assert waited == [True] and codes == [0]
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
    path = tmp_path / "later.csv"
    rows = [ANNA.row("A-2", partner="Energie"), BART.row("B-1"), CARLA.row("C-1")]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    codes: list[int] = []
    erasing = _erasure(db_url, codes)
    write = signals.pipeline.write

    waited: list[bool] = []

    async def clash_while_erasure_waits(conn: Any, prepared: Any) -> None:
        if not waited:
            while await _advisory_locks(db_url, granted=True) < 2:  # the next batch's too
                await asyncio.sleep(0.05)
            erasing.start()
            waited.append(await _erasure_waits(db_url, erasing))
            raise bulk.Clash("as if an intake alongside had just opened this case")
        await write(conn, prepared)

    monkeypatch.setattr(signals.pipeline, "write", clash_while_erasure_waits)
    summary = _ingest(db_url, path, batch_size=1)
    erasing.join(timeout=30)
    assert waited == [True] and codes == [0]
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
