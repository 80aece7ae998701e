"""Big files are validated in a child process (signals.prefetch); the result must be exactly
what in-process validation gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import signals.prefetch
from tests.conftest import Cli, fresh_database
from tests.signals.test_ingest_cli import NOW, ingest, row, write_csv


def mixed_rows() -> list[dict[str, str]]:
    rows = []
    for i in range(600):
        values = {"id": f"P{i % 550}", "huisnummer": str(1 + i % 250)}
        if i % 37 == 0:
            values["bedrag"] = "veel"  # rejected
        if i % 41 == 0:
            values["telefoonnummer"] = "0612"  # warning
        if i % 3 == 0:
            values["signaalpartner"] = "Energie"
        rows.append(row(**values))
    return rows


@pytest.fixture
def second_db(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh, migrated database on the same backend as `db_url`."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    folder = tmp_path / "second"
    folder.mkdir()
    yield from fresh_database(request, backend, folder)


def test_child_validation_gives_the_same_result(
    cli: Cli, second_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "s.csv", mixed_rows())
    config = tmp_path / "small-batches.toml"
    config.write_text("[intake]\nbatch_size = 100\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    monkeypatch.setattr(signals.prefetch, "CHILD_MIN_BYTES", 0)
    in_child = ingest(cli, path)
    cases_child = cli.json("cases", "--now", NOW)
    assert in_child["rejected"] > 0 and in_child["warnings"] and in_child["duplicates"] > 0

    # The same file in a second database, validated in-process.
    monkeypatch.setattr(signals.prefetch, "CHILD_MIN_BYTES", 10**12)
    other = Cli(second_db, cli.capsys)
    assert other.json("cases", "--now", NOW) == []  # really another, empty database
    in_process = ingest(other, path)
    assert in_process["accepted"] > 0  # new rows stored, not duplicates of the first run
    assert in_process == in_child
    assert other.json("cases", "--now", NOW) == cases_child


def test_child_path_takes_in_a_tiny_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signals.prefetch, "CHILD_MIN_BYTES", 0)
    path = write_csv(tmp_path / "s.csv", [row(id="A"), row(id="B", huisnummer="3")])
    summary = ingest(cli, path)
    assert summary["accepted"] == 2 and summary["received"] == 2
