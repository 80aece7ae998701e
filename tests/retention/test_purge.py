"""Retention: the purge erases personal data per outcome when its period is over, keeps what
is not due yet, and leaves the monitor's figures for the past period as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.retention.residents import (
    ANNA,
    BART,
    CARLA,
    DIRK,
    every_cell,
    found,
    ingest,
    monitor,
    skeleton,
)

STRANGER = "+31655555555"
DAY = "2025-12-15"  # the signal date: arrears reported before the ingest


def _town(cli: Cli, tmp_path: Path) -> None:
    """Anna is helped (kept 18 months), Bart says "no thanks" (closed without help: 6 months),
    Carla's signal is too small (suppressed: 6 months), Dirk's case is still open."""
    rows = [
        ANNA.row("A-1", day=DAY),
        BART.row("B-1", day=DAY),
        CARLA.row("C-1", amount="40", day=DAY),
        DIRK.row("D-1", day=DAY),
        DIRK.row(
            "D-2", amount="zeshonderdtwaalf", day=DAY
        ),  # rejected: the raw row is kept for a while
    ]
    summary = ingest(cli, tmp_path, rows, "2026-01-05T08:00")
    assert summary["suppressed"] == 1 and summary["rejected"] == 1
    cli.json("tick", "--now", "2026-01-05T09:00")

    def reply(sender: str, text: str, now: str) -> None:
        cli.json("reply", "--channel", "sms", "--sender", sender, "--text", text, "--now", now)

    reply(BART.e164, "2", "2026-01-05T10:00")  # no thanks: closed at once
    reply(ANNA.e164, "1", "2026-01-05T10:05")  # call me …
    reply(ANNA.e164, "ochtend", "2026-01-05T10:06")  # … in the morning
    reply(STRANGER, "Hallo, met wie spreek ik?", "2026-01-05T11:00")  # nobody's case
    (call,) = cli.json("tasks", "--status", "open")
    cli.json(
        "task", "complete", str(call["id"]), "--reached", "yes",
        "--result", "(Budget)advies en/of quick fix", "--daypart", "Ochtend",
        "--note", "Mevrouw Zwartbroek heeft een regeling nodig", "--now", "2026-01-07T10:00",
    )  # fmt: skip


def test_purge_follows_the_retention_periods(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    january = ("2026-01-01", "2026-01-31", "2026-02-15T12:00")
    figures, facts = monitor(cli, *january), skeleton(cli.db)
    states = {c["state"] for c in cli.json("cases", "--state", "closed")}
    assert states == {"closed"}

    # Five months on nothing is due yet.
    assert cli.json("purge", "--now", "2026-06-05T03:00") == {}
    for resident in (ANNA, BART, CARLA, DIRK):
        assert found(cli.db, [resident.surname]), resident.key

    # Seven months on: Bart's "no thanks", Carla's suppressed signal, the stranger's text and
    # the rejected row go; Anna (helped) and Dirk (still open) stay.
    done = cli.json("purge", "--now", "2026-08-05T03:00")
    assert done["retention: cases closed without help"]["cases"] == 1
    assert done["retention: suppressed signals"]["signals"] == 1
    assert "retention: input of no case" in done
    assert found(cli.db, [*BART.traces(), *CARLA.traces(), STRANGER, "met wie spreek"]) == []
    assert found(cli.db, ["zeshonderdtwaalf"]) == []  # the rejected row's raw values
    assert found(cli.db, [ANNA.surname, ANNA.e164, "regeling nodig"])
    assert found(cli.db, [DIRK.surname, DIRK.e164])
    assert monitor(cli, *january) == figures
    assert skeleton(cli.db) == facts
    assert cli.json("purge", "--now", "2026-08-06T03:00") == {}  # nothing twice

    # Nineteen months on Anna's case goes too; Dirk's open case is never purged.
    done = cli.json("purge", "--now", "2027-08-05T03:00")
    assert done["retention: closed cases"]["cases"] == 1
    assert found(cli.db, [*ANNA.traces(), "regeling nodig"]) == []
    assert found(cli.db, [DIRK.surname, DIRK.e164])
    assert monitor(cli, *january) == figures
    assert skeleton(cli.db) == facts

    # By now the simulated channel's record of Dirk's first SMS is older than the period too.
    assert done["retention: input of no case"]["rows"] == {"simulated_messages": 1}
    log = [v for t, c, v in every_cell(cli.db) if t == "erasures" and c == "reason"]
    assert set(log) == {
        "retention: cases closed without help",
        "retention: suppressed signals",
        "retention: input of no case",
        "retention: closed cases",
    }


def test_periods_come_from_the_config(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _town(cli, tmp_path)
    config = tmp_path / "gemeente.toml"
    config.write_text("[retention]\nwithout_help_months = 2\nclosed_case_months = 3\n")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    done = cli.json("purge", "--now", "2026-04-08T03:00")
    assert done["retention: cases closed without help"]["cases"] == 1
    assert done["retention: closed cases"]["cases"] == 1
    assert "retention: suppressed signals" not in done  # still 6 months

    config.write_text("[retention]\nclosed_case_months = 0\n")
    code, _, err = cli.run("purge")
    assert code == 2 and "retention.closed_case_months" in err
