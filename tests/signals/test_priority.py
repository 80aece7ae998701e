"""A case's score, rule by rule, as caseworkers read it in its reasons (signals/priority.py).

The intake scores a case for nearly every signal it takes in, so `score` gathers everything
in one pass over the signals; these pin the choices that pass has to make the same way as
the rules read: which partner leads, which amount of a repeating partner counts.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from clock import Calendar
from signals.priority import CaseSignal, score

RULES: dict[str, Any] = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "app" / "defaults.toml").read_text(encoding="utf-8")
)["priority"]
CAL = Calendar()
TODAY = date(2026, 11, 20)


def signal(
    partner: str = "Zorg", name: str = "", cents: int = 10_000, day: int = 10, **more: Any
) -> CaseSignal:
    values: dict[str, Any] = {
        "crisis": False,
        "warm_handover": False,
        "contract_end_date": None,
        "grew": False,
        "pattern": "enkelvoudig",
        **more,
    }
    return CaseSignal(partner, name, cents, date(2026, 11, day), **values)


def reasons(*signals: CaseSignal) -> dict[str, int]:
    result = score(list(signals), TODAY, TODAY, RULES, CAL)
    assert result.priority == sum(points for _, points in result.parts)
    return dict(result.parts)


def test_the_heaviest_partner_leads_and_each_other_partner_adds() -> None:
    got = reasons(signal("Zorg"), signal("Huur"), signal("Energie"), signal("Water"))
    assert got["Huurachterstand"] == 300  # Energie and Water weigh the same, less than Huur
    assert "Achterstand zorgverzekering" not in got
    assert got["Meerdere partners (4)"] == 300
    # Of partners with the same weight, the first one named leads.
    assert "Energieachterstand" in reasons(signal("Energie"), signal("Water"))
    assert "Waterachterstand" in reasons(signal("Water"), signal("Energie"))


def test_a_repeating_partner_counts_with_its_latest_amount() -> None:
    # Same partner: the later report replaces the earlier one, whatever their order here.
    later_first = reasons(signal(cents=300_000, day=12), signal(cents=100_000, day=5))
    assert later_first["Totaalbedrag € 3.000"] == 150
    # Two reports of the same day: the one taken in last counts.
    same_day = reasons(signal(cents=100_000, day=5), signal(cents=200_000, day=5))
    assert "Totaalbedrag € 2.000" in same_day
    # Other partners add up, each with its own latest amount.
    two = reasons(signal("Huur", cents=100_000), signal("Zorg", cents=50_000))
    assert "Totaalbedrag € 1.500" in two and "Meerdere partners (2)" in two
    # The same type under another name is another partner.
    named = reasons(signal(name="A", cents=100_000), signal(name="B", cents=100_000))
    assert "Totaalbedrag € 2.000" in named and "Meerdere partners (2)" in named


def test_flags_from_any_signal_and_the_nearest_contract_end() -> None:
    got = reasons(
        signal(crisis=True),
        signal("Huur", warm_handover=True, contract_end_date=date(2026, 11, 27)),
        signal("Energie", grew=True, pattern="opeenvolgend", contract_end_date=date(2027, 1, 8)),
    )
    assert list(got)[:2] == ["Crisissignaal", "Warme overdracht"]
    assert got["Contract eindigt over 5 werkdagen"] == 600 + 20 * 15
    assert got["Bedrag gestegen"] == 80
    assert got["Eerder signaal in de afgelopen maanden"] == 60
