"""A resident's erasure asked for while a file with a new signal of hers is taken in: the
erasure waits for the batch being written and then erases its signal too; it never leaves
her new signal on her erased case (store/erasure_lock.py)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import signals.pipeline
from app.cli import main
from app.runtime import calendar_for, parse_now
from app.settings import load_settings
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from tests.conftest import Cli, run_sync
from tests.retention.residents import ANNA, BART, HEADER, found, ingest

NOW = "2026-11-16T08:00"


async def _waiting_or_done(db_url: str, erasing: threading.Thread) -> None:
    """Until the erasure waits for a lock, or is over (as it was before the lock)."""
    probe = make_engine(db_url)
    try:
        for _ in range(100):
            if not erasing.is_alive():
                return
            if probe.dialect.name == "postgresql":
                async with probe.connect() as conn:
                    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    if await conn.scalar(text(query + " AND NOT granted")):
                        return
            await asyncio.sleep(0.05)  # SQLite: the erasure's BEGIN IMMEDIATE waits
    finally:
        await probe.dispose()


def test_an_erasure_during_an_intake_takes_her_new_signal_too(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(cli, tmp_path, [ANNA.row("A-1"), BART.row("B-1")], "2026-11-02T08:00")
    path = tmp_path / "later.csv"
    path.write_text(HEADER + ANNA.row("A-2", partner="Energie") + "\n", encoding="utf-8")
    codes: list[int] = []
    erasing = threading.Thread(
        target=lambda: codes.append(
            main(["erase", "--phone", ANNA.phone, "--now", NOW, "--db", db_url, "--json"])
        )
    )
    write = signals.pipeline.write

    async def erasure_asked_meanwhile(conn: Any, prepared: Any) -> None:
        # The batch has decided that A-2 joins her open case, and writes it now.
        if not erasing.is_alive() and not codes:
            erasing.start()
            await _waiting_or_done(db_url, erasing)
        await write(conn, prepared)

    monkeypatch.setattr(signals.pipeline, "write", erasure_asked_meanwhile)
    settings = load_settings(db_url)
    calendar = calendar_for(settings)
    intake = IntakeSettings.from_config(settings.config, calendar)

    async def take_in() -> dict[str, Any]:
        engine = make_engine(db_url)
        try:
            return await ingest_file(engine, path, None, parse_now(NOW, calendar), intake)
        finally:
            await engine.dispose()

    summary = run_sync(take_in)
    erasing.join(timeout=30)
    assert codes == [0]
    assert summary["accepted"] == 1 and summary["cases_updated"] == 1
    # Her new signal was erased with the rest of her; Bart's data is untouched.
    assert found(cli.db, ANNA.traces()) == []
    assert found(cli.db, [BART.surname, BART.bsn])
