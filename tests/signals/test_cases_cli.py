"""Households, patterns, suppression and priority, seen through `zaadje ingest` and
`zaadje cases` on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from store.engine import make_engine
from store.models import Case
from tests.conftest import Cli, run_sync
from tests.signals.test_ingest_cli import NOW, ingest, row, write_csv


def signals_of(cli: Cli) -> dict[str, dict]:
    """Each stored signal by partner id, read back through the cases listing."""
    return {s: c for c in cli.json("cases", "--now", NOW) for s in c["signals"]}


def test_one_household_per_normalised_address_and_one_open_case(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="A", postcode="1234AB", huisnummer="12", huisnummertoevoeging="a"),
        row(
            id="B",
            signaalpartner="Energie",
            postcode="1234 ab",
            huisnummer="012",
            huisnummertoevoeging=" A ",
        ),
        row(
            id="C",
            signaalpartner="Water",
            postcode="1234AB",
            huisnummer="12",
            huisnummertoevoeging="B",
        ),
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    assert summary["households"] == 2 and summary["cases_opened"] == 2
    cases = {c["address"]: c for c in cli.json("cases", "--now", NOW)}
    assert sorted(cases["1234AB 12-A"]["signals"]) == ["A", "B"]
    assert "Meerdere partners (2)" in cases["1234AB 12-A"]["reasons"]
    # A later file joins the open case instead of opening a second one.
    later = ingest(
        cli,
        write_csv(
            tmp_path / "t.csv", [row(id="D", signaalpartner="Zorg", huisnummertoevoeging="a")]
        ),
    )
    assert later["cases_opened"] == 0
    cases = {c["address"]: c for c in cli.json("cases", "--now", NOW)}
    assert sorted(cases["1234AB 12-A"]["signals"]) == ["A", "B", "D"]
    assert "Meerdere partners (3)" in cases["1234AB 12-A"]["reasons"]


def test_suppression_small_amounts_and_repeats_without_growth(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="SMALL", bedrag="74,99", huisnummer="1"),
        row(id="FIRST", bedrag="300", huisnummer="2", signaaldatum="2026-08-03"),
        row(id="SAME", bedrag="300", huisnummer="2", signaaldatum="2026-10-05"),
        row(id="LESS", bedrag="250", huisnummer="2", signaaldatum="2026-11-02"),
        row(id="THRESHOLD", bedrag="75", huisnummer="3"),
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    assert summary["received"] == 5
    assert summary["suppressed"] == 3 and summary["accepted"] == 2
    assert summary["cases_opened"] == 2  # none for the small amount alone
    listed = signals_of(cli)
    assert "SMALL" not in listed and "SAME" not in listed and "LESS" not in listed
    assert set(listed) == {"FIRST", "THRESHOLD"}
    # The same partner reporting more later is growth, not a repeat.
    grown = ingest(
        cli,
        write_csv(
            tmp_path / "t.csv",
            [row(id="MORE", bedrag="900", huisnummer="2", signaaldatum="2026-11-10")],
        ),
    )
    assert grown["accepted"] == 1 and grown["suppressed"] == 0
    case = signals_of(cli)["MORE"]
    assert "Bedrag gestegen" in case["reasons"]


def test_minimum_amount_is_configurable(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gemeente.toml"
    config.write_text("[intake]\nminimum_amount_eur = 500\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    summary = ingest(cli, write_csv(tmp_path / "s.csv", [row(id="A", bedrag="450")]))
    assert summary["suppressed"] == 1


def test_patterns_enkelvoudig_meervoudig_opeenvolgend(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="ALONE", huisnummer="1", signaaldatum="2026-11-02"),
        row(id="M1", huisnummer="2", signaaldatum="2026-11-02"),
        row(id="M2", huisnummer="2", signaaldatum="2026-11-15", signaalpartner="Energie"),
        row(id="OLD", huisnummer="3", signaaldatum="2026-06-10", signaalpartner="Water"),
        row(id="NEW", huisnummer="3", signaaldatum="2026-11-10", signaalpartner="Zorg"),
        row(id="ANCIENT", huisnummer="4", signaaldatum="2026-03-10", signaalpartner="Water"),
        row(id="RECENT", huisnummer="4", signaaldatum="2026-11-10", signaalpartner="Zorg"),
    ]
    ingest(cli, write_csv(tmp_path / "s.csv", rows))
    cases = {c["address"]: c for c in cli.json("cases", "--now", NOW)}
    patterns = {}
    for case in cases.values():
        for detail in case["signal_details"]:
            patterns[detail["id"]] = detail["pattern"]
    assert patterns == {
        "ALONE": "enkelvoudig",
        "M1": "meervoudig",  # marked again when the second partner arrived
        "M2": "meervoudig",
        "OLD": "enkelvoudig",
        "NEW": "opeenvolgend",
        "ANCIENT": "enkelvoudig",
        "RECENT": "enkelvoudig",  # more than 6 months later
    }


def test_priority_order_and_reasons(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="ZORG", signaalpartner="Zorg", huisnummer="1"),
        row(id="ENERGIE", signaalpartner="Energie", huisnummer="2"),
        row(id="HUUR", signaalpartner="Huur", huisnummer="3"),
        row(id="CRISIS", signaalpartner="Zorg", huisnummer="4", crisissignaal="ja"),
        row(id="MULTI-1", signaalpartner="Water", huisnummer="5"),
        row(id="MULTI-2", signaalpartner="Energie", huisnummer="5"),
        row(id="MULTI-3", signaalpartner="Zorg", huisnummer="5"),
    ]
    ingest(cli, write_csv(tmp_path / "s.csv", rows))
    cases = cli.json("cases", "--now", NOW)
    order = [c["signals"][0] for c in cases]
    assert order[0] == "CRISIS"
    assert order.index("HUUR") < order.index("ENERGIE") < order.index("ZORG")
    by_first = {c["signals"][0]: c for c in cases}
    assert by_first["CRISIS"]["reasons"][0] == "Crisissignaal"
    assert "Huurachterstand" in by_first["HUUR"]["reasons"]
    # Signals of one date are listed (and decided) by partner type and id, not by line.
    (multi,) = [c for c in cases if "MULTI-1" in c["signals"]]
    assert multi["signals"] == ["MULTI-2", "MULTI-1", "MULTI-3"]
    assert "Meerdere partners (3)" in multi["reasons"]
    for case in cases:  # the sum is transparent: the parts add up to the priority
        assert sum(p["points"] for p in case["score"]) == case["priority"]
    # Nothing starves: a week later the same cases carry their waiting time.
    week_later = {c["id"]: c for c in cli.json("cases", "--now", "2026-11-27T10:00")}
    assert "Wacht al 7 dagen" in week_later[by_first["ZORG"]["id"]]["reasons"]
    assert week_later[by_first["ZORG"]["id"]]["priority"] > by_first["ZORG"]["priority"]


def test_contract_end_countdown_and_crisis_deadline(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    # Friday 20 November 2026: 3 working days → Wednesday 25 November.
    path.write_text(
        "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,crisissignaal,"
        "eindeleveringsdatum\n"
        "C1,Energie,300,2026-11-19,Smit,1,1234AB,ja,\n"
        "E1,Energie,300,2026-11-19,Smit,2,1234AB,nee,2026-12-04\n"
        "E2,Energie,300,2026-11-19,Smit,3,1234AB,nee,2027-06-01\n",
        encoding="utf-8",
    )
    ingest(cli, path)
    cases = {c["signals"][0]: c for c in cli.json("cases", "--now", NOW)}
    assert cases["C1"]["deadline"] == "2026-11-25"
    assert "Contract eindigt over 10 werkdagen" in cases["E1"]["reasons"]
    assert not any("Contract" in r for r in cases["E2"]["reasons"])
    assert cases["E1"]["priority"] > cases["E2"]["priority"]
    # Default deadline: 10 working days, skipping the weekend.
    assert cases["E2"]["deadline"] == "2026-12-04"
    # The countdown runs: two working days later it says 8.
    later = {c["signals"][0]: c for c in cli.json("cases", "--now", "2026-11-24T10:00")}
    assert "Contract eindigt over 8 werkdagen" in later["E1"]["reasons"]


def test_deadline_skips_christmas(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv", [row(id="X", crisissignaal="ja", signaaldatum="2026-12-22")]
    )
    cli.json("ingest", str(path), "--now", "2026-12-23T10:00")
    (case,) = cli.json("cases", "--now", "2026-12-23T10:00")
    # 24 Dec (Thu) is a working day, 25/26 are holidays, 27 Sunday: 24, 28, 29.
    assert case["deadline"] == "2026-12-29"


def count_cases(db_url: str) -> int:
    """Read without the write lock: Zaadje's own SQLite transactions begin IMMEDIATE, and an
    intake that commits batch after batch would keep such a reader waiting to the end."""
    if db_url.startswith("sqlite"):
        with closing(sqlite3.connect(make_url(db_url).database or "")) as db:
            return int(db.execute("SELECT count(*) FROM cases").fetchone()[0])

    async def go() -> int:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as conn:
                return int(await conn.scalar(select(func.count()).select_from(Case)) or 0)
        finally:
            await engine.dispose()

    return run_sync(go)


@pytest.mark.slow
def test_a_crash_mid_file_loses_nothing_committed(
    db_url: str, workdir: Path, tmp_path: Path, cli: Cli
) -> None:
    """Kill the ingest with SIGKILL part-way; what was committed stays, a re-run completes it."""
    config = tmp_path / "small-batches.toml"
    config.write_text("[intake]\nbatch_size = 200\n", encoding="utf-8")
    rows = [row(id=f"K{i}", huisnummer=str(i + 1), postcode="1234AB") for i in range(20_000)]
    path = write_csv(tmp_path / "big.csv", rows)
    env = {**os.environ, "ZAADJE_CONFIG": str(config), "DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", str(path), "--json", "--now", NOW],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    committed = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            committed = count_cases(db_url)  # a cheap count, so the kill lands early
            if committed >= 400:
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert committed >= 400, "the ingest should have committed batches before it was killed"
    survived = count_cases(db_url)
    assert survived % 200 == 0 and survived < 20_000  # whole batches only
    summary = cli.json("ingest", str(path), "--now", NOW)
    assert summary["duplicates"] == survived
    assert summary["accepted"] == 20_000 - survived
    assert len(cli.json("cases")) == 20_000


def test_a_crisis_joining_an_older_case_gets_its_own_three_days(cli: Cli, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", [row(id="OLD", signaaldatum="2026-10-28")])
    cli.json("ingest", str(first), "--now", "2026-11-02T10:00")
    crisis = write_csv(
        tmp_path / "b.csv",
        [row(id="NEW", signaalpartner="Energie", crisissignaal="ja", signaaldatum="2026-11-19")],
    )
    cli.json("ingest", str(crisis), "--now", "2026-11-20T10:00")
    (case,) = cli.json("cases", "--now", "2026-11-20T10:00")
    assert "Crisissignaal" in case["reasons"]
    # Three working days from the crisis signal (Thursday 19th), not from 2 November.
    assert case["deadline"] == "2026-11-24"
