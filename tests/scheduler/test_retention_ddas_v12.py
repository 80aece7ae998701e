"""Retention in DDAS v1.2 words: "Vervolghulp en/of verwijzing" is help (kept 18 months, not
6), the shipped and a municipality's `help_results` name v1.2 results, and a list still written
in v0.9 words keeps counting the same cases as help."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from flows.ddas import EINDRESULTATEN, GEEN_HULP, VERVOLGHULP, VERWIJZING_ZONDER_INWONER
from scheduler.retention import HELP_RESULTS, RetentionPolicy
from tests.conftest import Cli

DEFAULTS = Path(__file__).parents[2] / "app" / "defaults.toml"
HEADER = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
ROWS = [
    "H-1,Huur,640,2025-12-15,Jansen,12,1234AB,+31612340001",
    "H-2,Huur,500,2025-12-15,Bakker,14,1234AB,+31612340002",
]


def test_help_results_are_v12_results_and_include_vervolghulp_without_its_split() -> None:
    shipped = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))["retention"]["help_results"]
    for results in (HELP_RESULTS, tuple(shipped)):
        assert set(results) <= EINDRESULTATEN
        assert VERVOLGHULP in results and VERWIJZING_ZONDER_INWONER in results
        assert GEEN_HULP not in results
    assert RetentionPolicy.from_config({"help_results": shipped}).help_results == tuple(shipped)


def test_a_help_results_list_in_v09_words_is_read_in_v12_words() -> None:
    old = [
        "(Budget)advies en/of quick fix",
        "Vervolghulp en/of verwijzing financieel",
        "Verwijzing zonder contact",
    ]
    assert RetentionPolicy.from_config({"help_results": old}).help_results == (
        "(Budget)advies en/of quick fix",
        "Vervolghulp en/of verwijzing financieel",
        VERWIJZING_ZONDER_INWONER,
        VERVOLGHULP,  # help wherever one of its split variants is
    )
    # A municipality that counts only advice as help does not get the referrals added.
    advice = ["(Budget)advies en/of quick fix"]
    assert RetentionPolicy.from_config({"help_results": advice}).help_results == tuple(advice)


@pytest.mark.parametrize("result", [VERVOLGHULP, VERWIJZING_ZONDER_INWONER])
def test_a_case_closed_with_a_v12_help_result_is_kept_for_the_longer_period(
    cli: Cli, tmp_path: Path, result: str
) -> None:
    path = tmp_path / "signals.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    cli.json("ingest", str(path), "--now", "2026-01-05T08:00")
    cli.json("tick", "--now", "2026-01-05T09:00")
    helped, declined = sorted(c["id"] for c in cli.json("cases"))
    # One resident is helped; the other says "no thanks" (2).
    cli.json(
        "reply",
        "--channel",
        "sms",
        "--sender",
        "+31612340002",
        "--text",
        "2",
        "--now",
        "2026-01-05T10:00",
    )
    cli.json(
        "reply",
        "--channel",
        "sms",
        "--sender",
        "+31612340001",
        "--text",
        "1",
        "--now",
        "2026-01-05T10:05",
    )
    cli.json(
        "reply",
        "--channel",
        "sms",
        "--sender",
        "+31612340001",
        "--text",
        "ochtend",
        "--now",
        "2026-01-05T10:06",
    )
    (call,) = cli.json("tasks", "--status", "open")
    cli.json(
        "task",
        "complete",
        str(call["id"]),
        "--reached",
        "yes",
        "--result",
        result,
        "--now",
        "2026-01-07T10:00",
    )
    closed = {c["id"]: c for c in cli.json("cases", "--state", "closed")}
    assert set(closed) == {helped, declined}

    # Seven months on only the "no thanks" goes: the helped case is kept for 18 months.
    done = cli.json("purge", "--now", "2026-08-05T03:00")
    assert done["retention: cases closed without help"]["cases"] == 1
    assert "retention: closed cases" not in done
    done = cli.json("purge", "--now", "2027-08-05T03:00")
    assert done["retention: closed cases"]["cases"] == 1
