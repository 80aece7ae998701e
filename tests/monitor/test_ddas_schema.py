"""The schema the export validates against is the national one, and the export's reading of
the intake's suppression reasons matches the intake."""

from __future__ import annotations

from pathlib import Path

from monitor.ddas_export import SCHEMA_PATH, SUPPRESSED_STATUS
from signals.patterns import SUPPRESSED_REPEAT

NATIONAL = Path(__file__).parents[1] / "data" / "ddas" / "json_schema_Uitwisselmodel.json"


def test_the_shipped_schema_is_the_national_v0_9_schema() -> None:
    assert SCHEMA_PATH.read_bytes() == NATIONAL.read_bytes()


def test_a_repeat_suppressed_at_intake_maps_to_herhaalde_melding() -> None:
    assert SUPPRESSED_STATUS == {SUPPRESSED_REPEAT: "Niet opgepakt: herhaalde melding"}
