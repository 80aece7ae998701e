"""An experiment run through the CLI on both databases: cases get a variant when their
outreach starts, each variant waits its own time, a stopped variant's cases finish on the
default ladder, and the monitor shows reach per variant."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor.experiments import reach_by_variant
from monitor.period import Period
from monitor.report import build_report
from store.engine import make_engine
from tests.conftest import Cli, run_sync

HEADER = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
EXPERIMENT = """
[experiments.herinnering]
step = "wait_first"
start = 2026-11-01
[experiments.herinnering.variants.drie_dagen]
weight = {control}
[experiments.herinnering.variants.vijf_dagen]
weight = 1
working_days = 5
"""
RESIDENTS = 20


def _phone(i: int) -> str:
    return f"+3161200{i:04d}"


@pytest.fixture
def town(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    config = tmp_path / "gemeente.toml"
    config.write_text(EXPERIMENT.format(control=1))
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    rows = [
        f"E-{i},Huur,640,2026-10-20,Bewoner{i},{i},{1000 + i}AB,{_phone(i)}"
        for i in range(1, RESIDENTS + 1)
    ]
    signals = tmp_path / "signals.csv"
    signals.write_text(HEADER + "\n".join(rows) + "\n")
    assert cli.json("ingest", str(signals), "--now", "2026-11-02T08:00")["cases_opened"] == 20
    assert cli.json("tick", "--now", "2026-11-02T09:00")["sent"] == RESIDENTS  # Monday
    return cli


def _variants(cli: Cli) -> dict[str, dict[str, Any]]:
    (experiment,) = cli.json("experiment", "list")
    return {v["name"]: v for v in experiment["variants"]}


def _reminded(cli: Cli) -> set[int]:
    return {m["case"] for m in cli.json("outbox") if m["message_key"] == "sms.reminder"}


def test_each_variant_waits_its_own_time_until_it_is_stopped(town: Cli, tmp_path: Path) -> None:
    variants = _variants(town)
    control, longer = variants["drie_dagen"]["cases"], variants["vijf_dagen"]["cases"]
    assert control + longer == RESIDENTS and control > 0 and longer > 0

    # A change of the weights does not move a running case.
    (tmp_path / "gemeente.toml").write_text(EXPERIMENT.format(control=5))
    town.json("tick", "--now", "2026-11-03T09:00")
    assert {k: v["cases"] for k, v in _variants(town).items()} == {
        "drie_dagen": control,
        "vijf_dagen": longer,
    }

    # Thursday, three working days on: only the control group gets its reminder.
    town.json("tick", "--now", "2026-11-05T09:00")
    assert len(_reminded(town)) == control

    stopped = town.json("experiment", "stop", "herinnering", "vijf_dagen", "--by", "beleid",
                        "--now", "2026-11-05T10:00")  # fmt: skip
    assert stopped["cases_withdrawn"] == longer
    assert _variants(town)["vijf_dagen"]["stopped"] is True
    # Their default wait is over already: the reminder goes at once, not on Monday.
    town.json("tick", "--now", "2026-11-05T10:05")
    assert len(_reminded(town)) == RESIDENTS


def test_the_monitor_counts_reach_per_variant(town: Cli) -> None:
    assigned = {
        m["case"]: m["to"] for m in town.json("outbox") if m["message_key"] == "sms.first_contact"
    }
    # Every third resident answers "call me": a reply counts as reached.
    answered = sorted(assigned)[::3]
    for case_id in answered:
        town.json("reply", "--channel", "sms", "--sender", assigned[case_id], "--text", "1",
                  "--now", "2026-11-02T12:00")  # fmt: skip

    async def report() -> dict[str, Any]:
        engine = make_engine(town.db)
        try:
            async with engine.connect() as conn:
                period = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Europe/Amsterdam"))
                built = await build_report(
                    conn, period, None, date(2026, 12, 1), sections=(reach_by_variant,)
                )
                return built.section("reach_by_variant").values
        finally:
            await engine.dispose()

    values = run_sync(report)
    variants = _variants(town)
    total = Counter[str]()
    for name, variant in variants.items():
        assert values[f"herinnering.{name}.cases"] == variant["cases"]
        total["reached"] += values[f"herinnering.{name}.reached"]
    assert total["reached"] == len(answered)
    assert values["herinnering.vijf_dagen.p_value"] is None  # 20 cases: too few to judge


def test_stop_refuses_unknown_names(town: Cli) -> None:
    code, _, err = town.run("experiment", "stop", "herinnering", "tien_dagen")
    assert code == 2 and "no variant 'tien_dagen'" in err and "drie_dagen" in err
    code, _, err = town.run("experiment", "stop", "kleur", "rood")
    assert code == 2 and "no experiment 'kleur'" in err
