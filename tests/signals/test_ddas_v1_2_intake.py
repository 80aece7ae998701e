"""DDAS v1.2 documents and nameless / address-less signals through `zaadje ingest`, on SQLite
and PostgreSQL: the national examples come in without rejects, a signal without a name is
accepted with a warning, and one with only a BSN waits for its address without outreach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.signals.test_ingest_cli import check_counts, ingest, row, write_csv

V1_2 = Path(__file__).parents[1] / "data" / "ddas" / "v1.2"
EXAMPLES = ("enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json", "uitgebreidVoorbeeld.json")


def signals_in(document: dict) -> list[dict]:
    return [s for levering in document["leveringen"] for s in levering.get("vroegsignalen", [])]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_national_v1_2_examples_come_in_without_rejects(cli: Cli, name: str) -> None:
    path = V1_2 / name
    signals = signals_in(json.loads(path.read_text(encoding="utf-8")))
    summary = ingest(cli, path)
    check_counts(summary)
    assert summary["received"] == len(signals)
    assert summary["rejected"] == 0 and summary["errors"] == [], summary["errors"]
    only_bsn = [s for s in signals if "postcode" not in s["client"]]
    assert summary["waiting_for_address"] == len(only_bsn)
    # v1.2 carries no names: every signal is addressed to "de bewoners", and says so.
    nameless = {w["line"] for w in summary["warnings"] if w["field"] == "achternaam"}
    assert nameless == set(range(1, len(signals) + 1))
    assert "de bewoners" in summary["warnings"][0]["message"]


def test_signals_with_only_a_bsn_wait_together_and_get_no_outreach(
    cli: Cli, tmp_path: Path
) -> None:
    summary = ingest(cli, V1_2 / "uitgebreidVoorbeeld.json")
    waiting = cli.json("cases", "--state", "address_unknown")
    # Three BSNs with two signals each (e.g. Energie and Huur): one waiting case per BSN.
    assert summary["waiting_for_address"] == 6
    assert len(waiting) == 3
    assert sorted(len(c["signals"]) for c in waiting) == [2, 2, 2]
    assert {c["address"] for c in waiting} == {"adres onbekend"}
    assert all(c["household"] is None for c in waiting)
    # Each asks a caseworker for the address; nothing is sent to anyone.
    tasks = cli.json("tasks", "--status", "open")
    review = [t for t in tasks if t["case"] in {c["id"] for c in waiting}]
    assert sorted(t["case"] for t in review) == sorted(c["id"] for c in waiting)
    assert {t["kind"] for t in review} == {"review"}
    cli.json("tick", "--now", "2026-11-20T10:00")
    outbox = cli.json("outbox")
    assert not [m for m in outbox if m["case"] in {c["id"] for c in waiting}]
    # A later file with the same BSN joins the waiting case instead of opening another.
    again = {
        "leveringen": [
            {
                "vroegsignalen": [
                    {
                        "ID": "LATER-1",
                        "bedrag": 300,
                        "signaaldatum": "2026-11-10",
                        "signaalpartner": {"type": "Water"},
                        "client": {"burgerservicenummer": "999012345"},
                    }
                ]
            }
        ]
    }
    later = tmp_path / "later.json"
    later.write_text(json.dumps(again), encoding="utf-8")
    assert ingest(cli, later)["waiting_for_address"] == 1
    after = cli.json("cases", "--state", "address_unknown")
    assert len(after) == 3 and sorted(len(c["signals"]) for c in after) == [2, 2, 3]


def test_csv_rows_without_name_or_address(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="NAMELESS", achternaam="", voorletters=""),
        # Only a BSN (failing the elfproef: kept, it is the one way to find the resident).
        row(
            id="ONLY-BSN", achternaam="", postcode="", huisnummer="", straatnaam="", bsn="111111111"
        ),
        row(id="NOTHING", achternaam="", postcode="", huisnummer="", bsn=""),
        row(id="BAD-BSN", postcode="", huisnummer="", bsn="12345"),
        # Below the minimum amount: kept and counted, no case waits for it.
        row(id="SMALL", postcode="", huisnummer="", bsn="123456782", bedrag="20"),
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    check_counts(summary)
    assert summary["accepted"] == 2 and summary["suppressed"] == 1 and summary["rejected"] == 2
    assert summary["waiting_for_address"] == 1
    errors = {e["line"]: (e["field"], e["message"]) for e in summary["errors"]}
    assert errors[4][0] == "postcode" and "ontbreekt" in errors[4][1]
    assert errors[5][0] == "bsn" and "geen adres" in errors[5][1]
    warnings = {(w["line"], w["field"]) for w in summary["warnings"]}
    assert (2, "achternaam") in warnings and (3, "bsn") in warnings and (3, "postcode") in warnings
    (open_case,) = cli.json("cases", "--state", "open")
    assert open_case["signals"] == ["NAMELESS"]
    (waiting,) = cli.json("cases", "--state", "address_unknown")
    assert waiting["signals"] == ["ONLY-BSN"]


def test_a_csv_of_v1_2_partner_types(cli: Cli, tmp_path: Path) -> None:
    partners = [
        "Belastingdienst",
        "Dienst Toeslagen",
        "DUO",
        "CAK Eigen bijdrage",
        "cak zorgverzekeringen",
    ]
    rows = [
        row(id=f"P{i}", signaalpartner=p, huisnummer=str(i + 1)) for i, p in enumerate(partners)
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    assert summary["accepted"] == len(partners) and summary["rejected"] == 0
    cases = cli.json("cases")
    assert sorted(p for c in cases for p in c["partners"]) == sorted(
        [
            "Belastingdienst",
            "CAK Eigen bijdrage",
            "CAK Zorgverzekeringen",
            "DUO",
            "Dienst Toeslagen",
        ]
    )


def test_the_address_completed_from_the_command_line(cli: Cli) -> None:
    ingest(cli, V1_2 / "uitgebreidVoorbeeld.json")
    waiting = cli.json("cases", "--state", "address_unknown")
    first = waiting[0]["id"]
    code, out, err = cli.run("case", "address", str(first), "--postcode", "12", "--huisnummer", "1")
    assert code == 2 and out == "" and "postcode" in err
    assert "Traceback" not in err
    done = cli.json(
        "case",
        "address",
        str(first),
        "--postcode",
        "9999 zz",
        "--huisnummer",
        "1",
        "--now",
        "2026-11-20T10:00",
    )
    assert done == {"case": first, "household": done["household"], "joined": False, "suppressed": 0}
    (opened,) = [c for c in cli.json("cases", "--state", "open") if c["id"] == first]
    assert opened["address"] == "9999ZZ 1"
    assert len(cli.json("cases", "--state", "address_unknown")) == len(waiting) - 1


def test_the_address_of_an_erased_waiting_case_is_refused(cli: Cli) -> None:
    """Erasure closes a waiting case too: completing its address would give the scrubbed
    signals an address and start outreach."""
    ingest(cli, V1_2 / "uitgebreidVoorbeeld.json")
    waiting = cli.json("cases", "--state", "address_unknown")[0]["id"]
    cli.json("erase", "--case", str(waiting), "--now", "2026-11-20T09:00")
    code, out, err = cli.run(
        "case", "address", str(waiting), "--postcode", "9999ZZ", "--huisnummer", "1"
    )
    assert code == 2 and out == "" and f"case {waiting} was erased" in err
    assert waiting not in [c["id"] for c in cli.json("cases", "--state", "open")]
    assert waiting in [c["id"] for c in cli.json("cases", "--state", "closed")]


def test_the_plain_summary_says_how_many_wait_for_an_address(cli: Cli) -> None:
    code, out, _ = cli.run(
        "ingest", str(V1_2 / "uitgebreidVoorbeeld.json"), "--now", "2026-11-20T10:00"
    )
    assert code == 0
    assert "waiting for an address 6" in out and "zaadje case address" in out


def test_completing_an_address_decides_patterns_as_the_intake_does(
    cli: Cli, tmp_path: Path
) -> None:
    """Two partners in one month for one BSN: once the address is known both signals are
    meervoudig, the earlier one too, as when the file had carried the address."""
    document = {
        "leveringen": [
            {
                "vroegsignalen": [
                    {
                        "ID": f"BSN-{partner}",
                        "bedrag": 300,
                        "signaaldatum": day,
                        "signaalpartner": {"type": partner},
                        "client": {"burgerservicenummer": "999012345"},
                    }
                    for partner, day in (("Huur", "2026-11-03"), ("Energie", "2026-11-10"))
                ]
            }
        ]
    }
    path = tmp_path / "bsn.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    ingest(cli, path)
    (waiting,) = cli.json("cases", "--state", "address_unknown")
    now = ("--now", "2026-11-20T10:00")
    cli.json(
        "case", "address", str(waiting["id"]), "--postcode", "9999ZZ", "--huisnummer", "1", *now
    )
    (case,) = cli.json("cases", "--state", "open")
    patterns = {s["id"]: s["pattern"] for s in case["signal_details"]}
    assert patterns == {"BSN-Huur": "meervoudig", "BSN-Energie": "meervoudig"}
