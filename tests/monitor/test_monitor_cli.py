"""`zaadje monitor`, `zaadje export ddas` and `zaadje feedback` on small cases: output forms,
configuration, and clear errors for what a user can get wrong."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from monitor.period import Period
from monitor.report import SECTIONS, build_report
from monitor.section import MonitorContext, Section
from store.engine import make_engine
from store.models import Case, Household
from tests.conftest import Cli, run_sync
from tests.monitor.replay import HEADER

NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")
ROWS = [
    "H-1,Huur,Woonstad,640,2026-10-20,Jansen,12,1234AB,+31612340001,nee,",
    "H-2,Huur,Woonstad,500,2026-10-20,Bakker,14,1234AB,+31612340002,nee,",
    "E-1,Energie,Eneco,300,2026-10-21,Smit,16,1234AB,+31612340003,nee,",
]


@pytest.fixture
def offline(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """For mistakes found before any database is opened: no database is made for them."""
    return Cli(f"sqlite:///{workdir / 'never-opened.db'}", capsys)


def ingest(cli: Cli, tmp: Path, rows: list[str], now: str, name: str = "s.csv") -> None:
    path = tmp / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    cli.json("ingest", str(path), "--now", now)


def section(report: dict[str, Any], key: str) -> dict[str, Any]:
    return dict(next(s for s in report["sections"] if s["key"] == key))


def with_config(monkeypatch: pytest.MonkeyPatch, tmp: Path, text: str) -> None:
    path = tmp / "gemeente.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(path))


def test_signals_per_1000_inhabitants_per_month_use_the_configured_inhabitants(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_config(monkeypatch, tmp_path, "[gemeente]\ninwoners = 2000\n")
    ingest(cli, tmp_path, ROWS, "2026-11-02T08:00")
    month = section(cli.json("monitor", *NOVEMBER), "signals_per_1000_inhabitants_per_month")
    assert month["values"] == {"total": 1.5, "Huur": 1.0, "Energie": 0.5}
    assert "2.000 inwoners" in month["definition"]
    two_months = cli.json("monitor", "--from", "2026-11-01", "--to", "2026-12-31")
    assert section(two_months, "signals_per_1000_inhabitants_per_month")["values"]["total"] == 0.75


def test_without_inhabitants_the_rate_is_unknown_and_the_definition_says_why(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, ROWS, "2026-11-02T08:00")
    rate = section(cli.json("monitor", *NOVEMBER), "signals_per_1000_inhabitants_per_month")
    assert rate["values"]["total"] is None
    assert "[gemeente] inwoners" in rate["definition"]


def test_the_default_period_is_the_previous_month(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, tmp_path, ROWS, "2026-11-02T08:00")
    report = cli.json("monitor", "--now", "2026-12-02T12:00")
    assert (report["period"]["from"], report["period"]["to"]) == ("2026-11-01", "2026-11-30")
    assert section(report, "signals_received")["values"]["total"] == 3
    october = cli.json("monitor", "--now", "2026-11-15T12:00")
    assert section(october, "signals_received")["values"] == {"total": 0}


def test_csv_and_text_carry_every_figure_with_its_definition(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, tmp_path, ROWS, "2026-11-02T08:00")
    code, out, err = cli.run("monitor", *NOVEMBER, "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    received = [r for r in rows if r["section"] == "signals_received"]
    assert [(r["key"], r["value"]) for r in received] == [
        ("total", "3"),
        ("Huur", "2"),
        ("Energie", "1"),
    ]
    assert all(r["definition"] and r["from"] == "2026-11-01" for r in rows)
    assert {r["section"] for r in rows} == {
        s["key"] for s in cli.json("monitor", *NOVEMBER)["sections"] if s["values"]
    }
    code, text, _ = cli.run("monitor", *NOVEMBER)
    assert code == 0
    assert "Ontvangen signalen" in text and "per soort signaalpartner" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("monitor", "--from", "1-11-2026"), "--from: not a date"),
        (("monitor", "--from", "2026-11-30", "--to", "2026-11-01"), "before it starts"),
        (("monitor", "--json", "--csv"), "choose one of --json and --csv"),
        (("export", "ddas", "--to", "2026-11-30", "--gemeentecode", "0518"), "--from"),
        (("export", "ddas", *NOVEMBER, "--gemeentecode", "GM05"), "4 digits"),
        (("export", "ddas", *NOVEMBER), "placeholder 0000"),  # the shipped config's code
        (
            ("export", "ddas", *NOVEMBER, "--gemeentecode", "0518", "--version", "2.0"),
            "--version: Zaadje delivers DDAS 1.2 or 0.9, not '2.0'",
        ),
        (
            ("export", "ddas", *NOVEMBER, "--gemeentecode", "0518", "--leverancierscode", " "),
            "empty",
        ),
        (("feedback", *NOVEMBER, "--out", "/nonexistent/folder"), "--out: not a folder"),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(
    offline: Cli, args: tuple[str, ...], message: str
) -> None:
    code, out, err = offline.run(*args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_config_with_bad_inhabitants_is_a_clear_error(
    offline: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_config(monkeypatch, tmp_path, '[gemeente]\ninwoners = "veel"\n')
    code, _, err = offline.run("monitor", *NOVEMBER)
    assert code == 2 and "[gemeente] inwoners" in err


def test_the_gemeentecode_and_the_organisation_come_from_the_config(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_config(monkeypatch, tmp_path, '[gemeente]\nnaam = "Utrecht"\ncode = "0344"\n')
    document = cli.json("export", "ddas", *NOVEMBER)
    (delivery,) = document["leveringen"]
    assert delivery["gemeentecode"] == "0344"
    assert delivery["aanleverendeOrganisatie"] == {"naam": "Gemeente Utrecht"}
    assert document["codeGegevensleverancier"] == "ZAADJE"
    assert delivery["vroegsignalen"] == [] and delivery["vroegsignaalzaken"] == []

    with_config(monkeypatch, tmp_path, DDAS_CONFIG)
    document = cli.json("export", "ddas", *NOVEMBER)
    (delivery,) = document["leveringen"]
    assert document["codeGegevensleverancier"] == "HOSTING-7"
    assert delivery["aanleverendeOrganisatie"] == {
        "naam": "Stichting Geldzorg Utrecht",
        "kvk-nummer": "30123456",
        "contactpersonen": [
            {
                "naam": "A. de Vries",
                "telefoonnummer": "030 286 0000",
                "email": "vroegsignalering@utrecht.nl",
                "functietitel": "Coördinator vroegsignalering",
            },
            {"naam": "B. Bakker", "email": "b.bakker@utrecht.nl"},
        ],
    }
    # The option wins over the configuration; v0.9 carries the same under its own names.
    old = cli.json("export", "ddas", *NOVEMBER, "--version", "0.9", "--leverancierscode", "X")
    assert old["codeGegevensleverancier"] == "X"
    organisation = old["leveringen"][0]["aanleverende_organisatie"]
    assert (
        organisation["contactpersoonen"] == delivery["aanleverendeOrganisatie"]["contactpersonen"]
    )


DDAS_CONFIG = """
[gemeente]
naam = "Utrecht"
code = "0344"

[ddas]
organisatie = "Stichting Geldzorg Utrecht"
kvk_nummer = "30123456"
leverancierscode = "HOSTING-7"

[[ddas.contactpersonen]]
naam = "A. de Vries"
telefoonnummer = "030 286 0000"
email = "vroegsignalering@utrecht.nl"
functietitel = "Coördinator vroegsignalering"

[[ddas.contactpersonen]]
naam = "B. Bakker"
email = "b.bakker@utrecht.nl"
"""


def test_a_contact_email_the_schema_refuses_is_a_clear_config_error(
    offline: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_config(monkeypatch, tmp_path, DDAS_CONFIG.replace("b.bakker@utrecht.nl", "b.bakker"))
    code, out, err = offline.run("export", "ddas", *NOVEMBER)
    assert code == 2 and out == ""
    assert err.strip() == (
        "zaadje: config [ddas]: ddas.contactpersonen[2].email: not an e-mail address: 'b.bakker'"
    )


def test_a_repeat_without_growth_is_delivered_as_niet_opgepakt_herhaalde_melding(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, ROWS[:1], "2026-11-02T08:00", "first.csv")
    repeat = "H-9,Huur,Woonstad,640,2026-10-27,Jansen,12,1234AB,+31612340001,nee,"
    ingest(cli, tmp_path, [repeat], "2026-11-03T08:00", "second.csv")
    document = cli.json("export", "ddas", *NOVEMBER, "--gemeentecode", "0518")
    status = {s["ID"]: s.get("status") for s in document["leveringen"][0]["vroegsignalen"]}
    assert status == {"H-1": "Nog niet opgepakt", "H-9": "Niet opgepakt: herhaalde melding"}
    suppressed = section(cli.json("monitor", *NOVEMBER), "suppressed")["values"]
    assert suppressed == {"total": 1, "Herhaalde melding zonder hoger bedrag": 1}


def test_v1_2_has_the_address_where_known_else_only_the_bsn_and_v0_9_what_came(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "v1_2.csv"
    path.write_text(
        HEADER.rstrip("\n") + ",geslachtsaanduiding\n"
        "H-1,Huur,Woonstad,640,2026-10-20,Jansen,12,1234AB,+31612340001,nee,111222333,vrouw\n"
        "E-1,Energie,Eneco,300,2026-10-21,,,,+31612340003,nee,123456782,\n",  # adres onbekend
        encoding="utf-8",
    )
    assert cli.json("ingest", str(path), "--now", "2026-11-02T08:00")["rejected"] == 0

    def clients(*version: str) -> dict[str, Any]:
        document = cli.json("export", "ddas", *NOVEMBER, "--gemeentecode", "0518", *version)
        return {s["ID"]: s["client"] for s in document["leveringen"][0]["vroegsignalen"]}

    assert clients() == {
        "H-1": {"geslachtsaanduiding": "Vrouw", "postcode": "1234AB", "huisnummer": "12"},
        "E-1": {"burgerservicenummer": "123456782"},
    }
    assert clients("--version", "0.9") == {
        "H-1": {
            "Burgerservicenummer": "111222333",
            "Achternaam": "Jansen",
            "Postcode": "1234AB",
            "Huisnummer": "12",
        },
        "E-1": {"Burgerservicenummer": "123456782"},
    }


def test_a_signal_whose_person_was_erased_is_still_delivered_without_personal_data(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, ROWS, "2026-11-02T08:00")
    (case,) = [c for c in cli.json("cases") if c["signals"] == ["E-1"]]
    cli.json("erase", "--case", str(case["id"]))
    for version, empty in (("1.2", {"postcode": "", "huisnummer": ""}), ("0.9", {})):
        document = cli.json(
            "export", "ddas", *NOVEMBER, "--gemeentecode", "0518", "--version", version
        )
        clients = [s["client"] for s in document["leveringen"][0]["vroegsignalen"]]
        assert clients.count(empty) == 1 and len(clients) == 3, version


def test_a_delivery_that_would_not_validate_is_refused_with_exit_1(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, ROWS[:1], "2026-11-02T08:00")

    async def corrupt() -> None:  # as a bug elsewhere might leave a case
        engine = make_engine(cli.db)
        try:
            async with engine.begin() as conn:
                await conn.execute(update(Case).values(state="closed", result="Klaar"))
        finally:
            await engine.dispose()

    run_sync(corrupt)
    code, out, err = cli.run("export", "ddas", *NOVEMBER, "--gemeentecode", "0518")
    assert code == 1 and out == ""
    assert "vroegsignaalzaken/0/resultaat" in err and "'Klaar' is not one of" in err


def test_a_section_is_added_with_one_line(db_url: str, tmp_path: Path) -> None:
    """What the experiments will do for "reach per variant": a builder that reads its own
    table, appended to the list of sections."""

    async def households(ctx: MonitorContext) -> Section:
        count = await ctx.conn.scalar(select(func.count()).select_from(Household))
        return Section("households", "Adressen", "Alle adressen ooit gezien.", {"total": count})

    async def go() -> dict[str, Any]:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as conn:
                period = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Europe/Amsterdam"))
                report = await build_report(
                    conn, period, None, date(2026, 12, 1), (*SECTIONS, households)
                )
                return report.to_json()
        finally:
            await engine.dispose()

    report = run_sync(go)
    assert report["sections"][-1]["key"] == "households"
    assert report["sections"][-1]["values"] == {"total": 0}
    assert len(report["sections"]) == len(SECTIONS) + 1
    json.dumps(report)  # all of it is plain JSON
