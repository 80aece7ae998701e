"""`zaadje db check`: exit 0 when every signal and case points to rows that exist, exit 1 and
the offending rows named when one does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from app.cli import main
from store.engine import make_engine
from store.models import Signal, table_of
from tests.conftest import Cli, run_sync
from tests.signals.test_ingest_cli import ingest, row, write_csv

signals_t = table_of(Signal)


def test_db_check_passes_after_an_intake_and_names_a_dangling_case(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, write_csv(tmp_path / "s.csv", [row(id="A"), row(id="B", huisnummer="3")]))
    assert cli.json("db", "check") == {"ok": True, "dangling": []}

    async def break_one() -> None:
        engine = make_engine(cli.db)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    update(signals_t)
                    .where(signals_t.c.partner_signal_id == "B")
                    .values(case_id=999)
                )
        finally:
            await engine.dispose()

    run_sync(break_one)
    found = cli.json("db", "check", expect=1)
    assert found["ok"] is False
    (only,) = found["dangling"]
    assert (only["table"], only["column"], only["references"], only["rows"]) == (
        "signals",
        "case_id",
        "cases",
        1,
    )
    code, out, err = cli.run("db", "check")
    assert code == 1
    assert "1 row(s) of signals whose case_id names no row of cases" in out
    assert "point nowhere" in err and "Traceback" not in err

    async def repair() -> None:  # the autouse check after the test must find it whole again
        engine = make_engine(cli.db)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    update(signals_t).where(signals_t.c.case_id == 999).values(case_id=None)
                )
        finally:
            await engine.dispose()

    run_sync(repair)


def test_a_mistyped_sqlite_path_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite would create the missing file on connecting, leave it behind empty and then
    call it "not migrated"."""
    missing = tmp_path / "typo.db"
    assert main(["db", "check", "--db", f"sqlite:///{missing}"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()
