"""The schemas the export validates against are the national ones, each version's words are
words of its schema, and the export's reading of the intake's suppression reasons matches the
intake."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from monitor.cohort import Cohort
from monitor.ddas_export import build_document
from monitor.ddas_versions import V0_9, V1_2, VERSIONS, DdasVersion, Person
from signals.patterns import SUPPRESSED_REPEAT, SUPPRESSED_SMALL
from tests.monitor.test_ddas_document import ADDRESS, NOVEMBER, case, delivery, signal

DATA = Path(__file__).parents[1] / "data" / "ddas"
NATIONAL = {"0.9": DATA / "json_schema_Uitwisselmodel.json"}
NATIONAL["1.2"] = DATA / "v1.2" / "json_schema_Uitwisselmodel.json"


def enum(version: DdasVersion, name: str) -> list[str]:
    schema = json.loads(version.schema_path.read_text(encoding="utf-8"))
    values: list[str] = schema["$defs"][name]["enum"]
    return values


def validator(version: DdasVersion) -> Draft202012Validator:
    schema = json.loads(version.schema_path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(VERSIONS))
def test_the_shipped_schema_is_the_national_schema_of_its_version(name: str) -> None:
    assert VERSIONS[name].schema_path.read_bytes() == NATIONAL[name].read_bytes()
    Draft202012Validator.check_schema(json.loads(NATIONAL[name].read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "example", ["enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json", "uitgebreidVoorbeeld.json"]
)
def test_the_national_v1_2_examples_validate_against_the_shipped_schema(example: str) -> None:
    document: dict[str, Any] = json.loads((DATA / "v1.2" / example).read_text(encoding="utf-8"))
    validator(V1_2).validate(document)
    assert not validator(V0_9).is_valid(document)  # the versions are not interchangeable


@pytest.mark.parametrize(
    ("name", "word", "v1_0"),
    [
        ("EnumEindresultaat", "result", ("Verwijzing zonder toestemming",)),
        ("EnumContactsoort", "soort", ()),
    ],
)
def test_every_word_of_either_version_becomes_a_word_of_the_delivered_version(
    name: str, word: str, v1_0: tuple[str, ...]
) -> None:
    """A v0.9 delivery maps every v1.2 word back; a v1.2 delivery reads a word stored before
    migration 0011 (a v0.9 or v1.0 one) as its v1.2 word."""
    stored = {*enum(V1_2, name), *enum(V0_9, name), *v1_0}
    for version in (V1_2, V0_9):
        allowed = set(enum(version, name))
        delivered = {value: getattr(version, word)(value) for value in stored}
        assert {v for v in delivered.values() if v not in allowed} == set(), version.name


def test_every_v1_2_status_becomes_a_v0_9_status_or_none() -> None:
    v0_9 = set(enum(V0_9, "EnumSignaalstatus"))
    assert v0_9 <= set(enum(V1_2, "EnumSignaalstatus"))
    for status in enum(V1_2, "EnumSignaalstatus"):
        assert V1_2.status(status) == status
        assert V0_9.status(status) in (v0_9 | {None}), status
    assert V0_9.status("Opgepakt") is None  # v0.9: taken up means no status


@pytest.mark.parametrize("version", [V1_2, V0_9], ids=["v1.2", "v0.9"])
def test_signals_suppressed_at_intake_are_delivered_with_a_status_of_the_national_schema(
    version: DdasVersion,
) -> None:
    """What the intake writes as a suppression reason is read by the export: a repeat
    without growth is "herhaalde melding", a small amount "andere reden"; the delivery holding
    them validates against the national schema file of its version."""
    received = [
        signal(1, 10),
        signal(2, None, suppressed_reason=SUPPRESSED_REPEAT),
        signal(3, None, suppressed_reason=SUPPRESSED_SMALL, amount_cents=4000),
    ]
    cohort = Cohort(NOVEMBER, received, [case(10, received[:1])], Counter())
    persons: dict[int, Person] = {s.id: ADDRESS for s in received}
    built = build_document(cohort, persons, delivery(), version)
    national = json.loads(NATIONAL[version.name].read_text(encoding="utf-8"))
    Draft202012Validator(national, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        built
    )
    status = {s["ID"]: s.get("status") for s in built["leveringen"][0]["vroegsignalen"]}
    assert status == {
        "S-1": "Nog niet opgepakt",
        "S-2": "Niet opgepakt: herhaalde melding",
        "S-3": "Niet opgepakt: andere reden",
    }
