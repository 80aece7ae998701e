"""Property: the rows of a file shuffled, and taken in with any batch size, give the same
households, patterns, suppressions, growth, cases, priorities, reasons and deadlines as the
file taken in as written (issue 17), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import signals.ordering
from bench.gen_signals import generate
from store.engine import make_engine
from store.models import Case, Household, Signal, table_of
from tests.conftest import Cli, fresh_database, run_sync
from tests.signals.checks import dangling
from tests.signals.test_ingest_cli import HEADER, NOW, row, write_csv

signals_t = table_of(Signal)
cases_t = table_of(Case)
households_t = table_of(Household)


def dense_rows() -> list[dict[str, str]]:
    """Few addresses, many signals each: same-day ties, repeats of one partner with lower,
    equal and higher amounts, several partners in one month, months in a row, crises,
    contract ends and languages — what the decisions turn on."""
    rng = random.Random(17)
    partners = ["Huur", "Energie", "Water", "Zorg"]
    rows = []
    for n in range(400):
        rows.append(
            row(
                id=f"D-{n}",
                signaalpartner=rng.choice(partners),
                signaalpartner_naam=rng.choice(["", "Woonstad", "Anders"]),
                bedrag=str(rng.choice([50, 120, 300, 300, 450, 800])),
                signaaldatum=f"2026-{rng.choice([5, 8, 9, 10, 11]):02d}-{rng.choice([1, 15]):02d}",
                crisissignaal="ja" if rng.random() < 0.05 else "nee",
                huisnummer=str(1 + rng.randrange(25)),
                postcode="9999ZZ",
                taal=rng.choice(["", "", "en", "tr"]),
            )
        )
    return rows


def generated_rows() -> list[dict[str, str]]:
    """The benchmark's generator (bad rows included), without its duplicate ids: of two
    different rows with the same id the first in the file is taken, which is an order."""
    out = io.StringIO()
    generate(1200, out, seed=3, duplicate_share=0.0)
    lines = out.getvalue().splitlines()
    names = lines[0].split(";")
    return [
        dict(zip(names, values, strict=True)) for values in csv.reader(lines[1:], delimiter=";")
    ]


ROWS = dense_rows() + generated_rows()
# Exact copies are duplicates whichever of the two comes first.
ROWS += [dict(r) for r in ROWS[::97]]
COLUMNS = sorted({c for r in ROWS for c in r} | set(HEADER))


def outcome(url: str) -> dict[str, Any]:
    """Everything decided, keyed by content (never by a database id or a file line)."""

    async def go() -> dict[str, Any]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                query = select(households_t.c.id, households_t.c.address_key)
                addresses = {hh: key for hh, key in await conn.execute(query)}
                cases = {}
                for c in (await conn.execute(select(cases_t))).mappings():
                    cases[c["id"]] = (
                        addresses.get(c["household_id"]),
                        c["state"],
                        c["priority"],
                        tuple(c["reasons"] or ()),
                        c["deadline"],
                        c["crisis"],
                        c["locale"],
                    )
                signals = {}
                for s in (await conn.execute(select(signals_t))).mappings():
                    signals[(s["partner_type"], s["partner_signal_id"])] = (
                        addresses.get(s["household_id"]),
                        s["bsn"] if s["household_id"] is None else None,
                        s["pattern"],
                        s["suppressed_reason"],
                        s["grew"],
                        s["amount_cents"],
                        cases.get(s["case_id"]),
                    )
                return {"signals": signals, "cases": Counter(cases.values())}
        finally:
            await engine.dispose()

    return run_sync(go)


def take_in(
    url: str,
    rows: list[dict[str, str]],
    folder: Path,
    batch_size: int,
    capsys: Any,
    spill_rows: int = signals.ordering.SPILL_ROWS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    config = folder / "intake.toml"
    config.write_text(f"[intake]\nbatch_size = {batch_size}\n", encoding="utf-8")
    path = write_csv(folder / "signals.csv", rows, sep=";", header=COLUMNS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZAADJE_CONFIG", str(config))
        # Spilled early: the file goes through the bucket files.
        patch.setattr(signals.ordering, "SPILL_ROWS", spill_rows)
        summary = Cli(url, capsys).json("ingest", str(path), "--now", NOW)
    assert dangling(url) == []
    # Lines move with the rows; what was wrong with them does not.
    for kind in ("errors", "warnings"):
        summary[kind] = Counter((i["field"], i["message"]) for i in summary[kind])
    return summary, outcome(url)


@pytest.fixture(params=("sqlite", "postgresql"))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def as_written(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path: Path,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    folder = tmp_path / "as-written"
    folder.mkdir()
    for url in fresh_database(request, backend, folder):
        yield take_in(url, ROWS, folder, 5000, capsys)


@pytest.mark.slow
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32),
    batch_size=st.integers(5, 700),
    spill_rows=st.sampled_from([97, 1000, 50_000]),
)
@example(seed=1, batch_size=5, spill_rows=97)  # many spills to bucket files, tiny batches
@example(seed=2, batch_size=5000, spill_rows=50_000)  # one batch, nothing leaves memory
def test_shuffled_rows_any_batch_size_same_results(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    as_written: tuple[dict[str, Any], dict[str, Any]],
    seed: int,
    batch_size: int,
    spill_rows: int,
) -> None:
    summary, decided = as_written
    assert summary["accepted"] > 1000 and summary["suppressed"] > 50
    assert summary["rejected"] > 0 and summary["duplicates"] > 0
    patterns = Counter(s[2] for s in decided["signals"].values())
    assert set(patterns) == {"enkelvoudig", "meervoudig", "opeenvolgend"}
    assert any(s[4] for s in decided["signals"].values())  # some grew

    rows = list(ROWS)
    random.Random(seed).shuffle(rows)
    folder = tmp_path_factory.mktemp("shuffled")
    for url in fresh_database(request, backend, folder):
        got_summary, got = take_in(url, rows, folder, batch_size, capsys, spill_rows)
        assert got_summary == summary
        assert got["cases"] == decided["cases"]
        assert got["signals"] == decided["signals"]
