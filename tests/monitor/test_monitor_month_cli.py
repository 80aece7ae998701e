"""A replayed month through the CLI, on SQLite and PostgreSQL: the monitor's figures, the
DDAS delivery that validates and agrees with them, and the partners' feedback files."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.cli import main
from tests.conftest import BACKENDS, Cli, fresh_database
from tests.monitor.replay import (
    ALREADY_ARRANGED,
    BSN,
    NO_CONTACT,
    PHONES,
    POSTCODE,
    REFERRAL,
    SURNAMES,
    Month,
)

DDAS = Path(__file__).parents[1] / "data" / "ddas"
SCHEMAS = {"1.2": DDAS / "v1.2" / "json_schema_Uitwisselmodel.json"}
SCHEMAS["0.9"] = DDAS / "json_schema_Uitwisselmodel.json"
NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")
AS_OF = ("--now", "2026-12-02T12:00")


class QuietCli(Cli):
    """`zaadje` in-process outside a test (capsys is per test): output into buffers."""

    def __init__(self, db: str) -> None:
        self.db = db

    def run(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main([*args, "--db", self.db])
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def replayed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The month is replayed once per database; the tests only read what it left."""
    tmp = tmp_path_factory.mktemp("month")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp)
        for name in list(os.environ):
            if name.startswith(("TWILIO_", "TELEGRAM_", "ZAADJE_")) or name == "DATABASE_URL":
                patch.delenv(name)
        databases = fresh_database(request, request.param, tmp)
        url = next(databases)
        Month(QuietCli(url), tmp).replay()
        yield url
        next(databases, None)  # drop the database


@pytest.fixture
def month(replayed: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> Month:
    return Month(Cli(replayed, capsys), workdir)


def values(report: dict[str, Any], key: str) -> dict[str, Any]:
    (section,) = [s for s in report["sections"] if s["key"] == key]
    return dict(section["values"])


def test_the_monitor_counts_what_became_of_the_months_signals(month: Month) -> None:
    report = month.cli.json("monitor", *NOVEMBER, *AS_OF)
    assert report["period"]["from"] == "2026-11-01" and report["period"]["to"] == "2026-11-30"
    # The October and December arrivals are not November's, even at 00:30 local time.
    assert values(report, "signals_received") == {
        "total": 7,
        "Energie": 3,
        "Huur": 2,
        "Water": 1,
        "Zorg": 1,
    }
    assert values(report, "became_case") == {"signals": 7, "became_case": 6, "percent": 85.7}
    assert values(report, "suppressed") == {"total": 1, "Bedrag onder de drempel": 1}
    assert values(report, "cases_by_pattern") == {
        "total": 5,
        "enkelvoudig": 3,
        "meervoudig": 1,
        "opeenvolgend": 1,
    }
    reached = values(report, "reached")
    assert (reached["cases"], reached["attempted"], reached["reached"]) == (5, 3, 2)
    assert reached["percent_of_cases"] == 40.0
    assert values(report, "reached_by_method") == {
        "SMS/Whatsapp": 1,
        "Telefoon": 1,
        "Huisbezoek": 0,
        "Kaartje": 0,
    }
    # The October SMS of the case that S-100 (Energie) joined is not November's attempt.
    assert values(report, "attempts_by_method") == {
        "total": 9,
        "SMS/Whatsapp": 4,
        "Telefoon": 2,
        "Huisbezoek": 1,
        "Kaartje": 1,
        "Brief": 1,
    }
    assert values(report, "reached_by_attempts") == {"1": 1, "2": 0, "3": 1, "4+": 0}
    assert values(report, "reach_rate_by_attempts") == {
        "1": 100.0,
        "2": None,
        "3": 100.0,
        "4+": 0.0,
    }
    # W-1 came in on Sunday, its SMS went on Monday: 1 day; the others the same day.
    assert values(report, "time_to_first_attempt") == {
        "cases": 3,
        "median_days": 0,
        "p90_days": 1,
    }
    assert values(report, "time_to_first_contact") == {
        "cases": 2,
        "median_days": 4,
        "p90_days": 7,
    }
    assert values(report, "crisis_deadlines") == {
        "crisis_cases": 1,
        "met": 1,
        "missed": 0,
        "pending": 0,
        "percent_met": 100.0,
    }
    assert values(report, "opt_outs") == {"total": 1, "sms": 1, "telegram": 0}
    assert values(report, "results") == {
        "total": 5,
        "open": 2,
        REFERRAL: 1,
        ALREADY_ARRANGED: 1,
        NO_CONTACT: 1,
    }
    for section in report["sections"]:
        assert section["definition"].endswith(".") and len(section["definition"]) > 40


def export(month: Month, version: str) -> dict[str, Any]:
    """The month's delivery in `version`, validated against that version's national schema."""
    chosen = () if version == "1.2" else ("--version", version)  # 1.2 is the default
    document: dict[str, Any] = month.cli.json(
        "export", "ddas", *NOVEMBER, "--gemeentecode", "0518", *AS_OF, *chosen
    )
    schema = json.loads(SCHEMAS[version].read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        document
    )
    return document


def attempts_of(case: dict[str, Any]) -> list[tuple[str, bool, str, str | None]]:
    return [
        (a["soort"], a["bereikt"], a["datum"], a.get("dagdeel")) for a in case["contactpogingen"]
    ]


def test_the_ddas_delivery_validates_and_agrees_with_the_monitor(month: Month) -> None:
    report = month.cli.json("monitor", *NOVEMBER, *AS_OF)
    document = export(month, "1.2")
    assert document["startdatumLevering"] == "2026-11-01"
    assert document["einddatumLevering"] == "2026-11-30"
    assert document["codeGegevensleverancier"] == "ZAADJE"
    (delivery,) = document["leveringen"]
    assert delivery["gemeentecode"] == "0518"
    assert delivery["aanleverendeOrganisatie"] == {"naam": "Gemeente Voorbeeld"}
    signals, cases = delivery["vroegsignalen"], delivery["vroegsignaalzaken"]
    attempts = [a for c in cases for a in c["contactpogingen"]]

    # The same counts as the monitor for the same period.
    assert len(signals) == values(report, "signals_received")["total"]
    assert Counter(s["signaalpartner"]["type"] for s in signals) == {
        k: v for k, v in values(report, "signals_received").items() if k != "total"
    }
    assert len(cases) == values(report, "cases_by_pattern")["total"]
    assert len(attempts) == values(report, "attempts_by_method")["total"]
    by_kind = values(report, "attempts_by_method")
    assert Counter(a["soort"] for a in attempts) == {
        k: v for k, v in by_kind.items() if v and k != "total"
    }
    results = values(report, "results")
    assert Counter(c["resultaat"] for c in cases if "resultaat" in c) == {
        k: v for k, v in results.items() if k not in ("total", "open")
    }
    assert sum(1 for c in cases if "resultaat" not in c) == results["open"]
    reached_cases = sum(1 for c in cases if any(a["bereikt"] for a in c["contactpogingen"]))
    assert reached_cases == values(report, "reached")["reached"]

    # Every signal of a case is in the delivery; the two S-100 ids are told apart.
    ids = [s["ID"] for s in signals]
    assert len(set(ids)) == len(ids) and {"Huur:S-100", "Energie:S-100"} <= set(ids)
    assert {ref["ID"] for c in cases for ref in c["vroegsignalen"]} <= set(ids)
    # Every signal had an address: the address form, no BSN (W-1 had one) and no names.
    assert all(set(s["client"]) == {"postcode", "huisnummer"} for s in signals)
    assert next(s for s in signals if s["ID"] == "W-1")["client"]["huisnummer"] == "12"
    assert BSN not in json.dumps(document)
    status = {s["ID"]: s.get("status") for s in signals}
    assert status["Z-4"] == "Niet opgepakt: andere reden"  # suppressed: below the threshold
    assert status["Huur:S-100"] == "Nog niet opgepakt"  # the home visit is still to come
    assert status["W-1"] == status["E-3"] == "Opgepakt"

    # SMS, phone, home visit (with its card) and the letter, each with its dagdeel.
    crisis = next(c for c in cases if c["vroegsignalen"] == [{"ID": "E-3"}])
    assert attempts_of(crisis) == [
        ("SMS/Whatsapp", False, "2026-11-02", "Ochtend"),
        ("Telefoon", False, "2026-11-03", "Ochtend"),
        ("Huisbezoek", False, "2026-11-04", "Middag"),
        ("Kaartje", False, "2026-11-04", "Middag"),
        ("Brief", False, "2026-11-05", "Ochtend"),
    ]
    assert crisis["resultaat"] == NO_CONTACT
    # Received 2 Nov, signal date 28 Oct, six months' look-back, taken up by the first SMS.
    assert (
        crisis["matchingsdatum"],
        crisis["startdatumMatchingperiode"],
        crisis["einddatumMatchingperiode"],
        crisis["datumOpgepakt"],
    ) == ("2026-11-02", "2026-04-28", "2026-10-31", "2026-11-02")
    referred = next(c for c in cases if c["vroegsignalen"] == [{"ID": "V-2"}])
    assert referred["resultaat"] == REFERRAL
    assert attempts_of(referred)[-1] == ("Telefoon", True, "2026-11-09", "Ochtend")
    assert all(a.get("dagdeel") for a in attempts)


def test_the_same_month_as_v0_9_says_the_same_in_v0_9_words(month: Month) -> None:
    (new,) = export(month, "1.2")["leveringen"]
    (old,) = export(month, "0.9")["leveringen"]
    assert old["aanleverende_organisatie"] == new["aanleverendeOrganisatie"]
    assert [s["ID"] for s in old["vroegsignalen"]] == [s["ID"] for s in new["vroegsignalen"]]
    # v0.9 has no "Opgepakt": a signal whose case was taken up has no status.
    for before, after in zip(old["vroegsignalen"], new["vroegsignalen"], strict=True):
        expected = None if after["status"] == "Opgepakt" else after["status"]
        assert before.get("status") == expected, before["ID"]
    # The client as the signal came, BSN only where it had one.
    with_bsn = [s["ID"] for s in old["vroegsignalen"] if "Burgerservicenummer" in s["client"]]
    assert with_bsn == ["W-1"]
    w_1 = next(s for s in old["vroegsignalen"] if s["ID"] == "W-1")["client"]
    assert w_1 == {
        "Burgerservicenummer": BSN,
        "Achternaam": "Jansen",
        "Postcode": POSTCODE,
        "Huisnummer": "12",
    }
    # The same cases and attempts; the v1.2 result maps to its nearest v0.9 result.
    words = {REFERRAL: "Vervolghulp en/of verwijzing financieel"}
    renamed = {
        "startdatumMatchingperiode": "startdatum_matchtingperiode",
        "datumOpgepakt": "datum_opgepakt",
        "einddatumMatchingperiode": "einddatum_matchingperiode",
    }
    for before, after in zip(old["vroegsignaalzaken"], new["vroegsignaalzaken"], strict=True):
        if "resultaat" in after:
            assert before["resultaat"] == words.get(after["resultaat"], after["resultaat"])
        assert attempts_of(before) == attempts_of(after)
        for key, old_key in renamed.items():
            assert before.get(old_key) == after.get(key)
    assert "Vervolghulp en/of verwijzing financieel" in [
        c.get("resultaat") for c in old["vroegsignaalzaken"]
    ]


def test_partners_get_one_csv_each_with_only_a_coded_status(month: Month, tmp_path: Path) -> None:
    out = tmp_path / "feedback"
    out.mkdir()
    summary = month.cli.json("feedback", *NOVEMBER, *AS_OF, "--out", str(out))
    files = {f["partner_type"] + "/" + f["partner_name"]: f for f in summary["files"]}
    assert sorted(files) == [
        "Energie/Eneco",
        "Energie/Vattenfall",
        "Huur/Woonstad",
        "Huur/Ymere",
        "Water/Evides",
        "Zorg/Zilveren Kruis",
    ]
    statuses: dict[tuple[str, str], str] = {}
    for item in summary["files"]:
        text = Path(item["path"]).read_text(encoding="utf-8")
        # Nothing about the resident: no name, postcode, phone number, BSN or amount.
        for personal in (*SURNAMES, POSTCODE, BSN, *PHONES.values(), "640", "€"):
            assert personal not in text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0]) == [
            "signaalpartner",
            "signaalpartner_naam",
            "id",
            "signaaldatum",
            "status",
        ]
        for row in rows:
            assert row["status"] in ("opgepakt", "niet opgepakt")
            statuses[(row["signaalpartner"], row["id"])] = row["status"]
    assert statuses == {
        ("Huur", "W-1"): "opgepakt",
        ("Energie", "W-2"): "opgepakt",
        ("Energie", "V-2"): "opgepakt",
        ("Water", "E-3"): "opgepakt",
        ("Zorg", "Z-4"): "niet opgepakt",
        ("Huur", "S-100"): "niet opgepakt",
        ("Energie", "S-100"): "niet opgepakt",
    }
    assert files["Energie/Vattenfall"]["opgepakt"] == 2

    # One partner's file on stdout, for a script.
    code, text, err = month.cli.run(
        "feedback", *NOVEMBER, *AS_OF, "--partner", "huur", "--partner-name", "Ymere", "--out", "-"
    )
    assert code == 0, err
    assert text.splitlines() == [
        "signaalpartner,signaalpartner_naam,id,signaaldatum,status",
        "Huur,Ymere,S-100,2026-10-19,niet opgepakt",
    ]
