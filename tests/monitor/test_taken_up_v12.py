"""DDAS v1.2 results in the facts the monitor, the delivery and the partner feedback count
from: a case closed without a contact attempt with "Vervolghulp en/of verwijzing" (v1.2's
result without the financial split) or "Verwijzing zonder tussenkomst inwoner" was taken up,
as a case closed with one of the split variants is; a "not taken up" result was not."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from flows.ddas import VERVOLGHULP, VERWIJZING_ZONDER_INWONER
from monitor.cohort import CaseFact, Cohort, SignalFact
from monitor.feedback import NIET_OPGEPAKT, OPGEPAKT, status_of
from monitor.period import Period

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Europe/Amsterdam"))
CLOSED_ON = date(2026, 11, 9)


def cohort_of(state: str, result: str | None) -> tuple[Cohort, SignalFact]:
    signal = SignalFact(
        id=1,
        partner_type="Huur",
        partner_name="Woonstad",
        partner_signal_id="H-1",
        signal_date=date(2026, 10, 20),
        origin_date=None,
        received=date(2026, 11, 2),
        amount_cents=64000,
        crisis=False,
        warm_handover=False,
        pattern="enkelvoudig",
        suppressed_reason=None,
        status="Nog niet opgepakt",
        case_id=7,
    )
    case = CaseFact(
        id=7,
        state=state,
        crisis=False,
        deadline=None,
        result=result,
        closed_on=CLOSED_ON if state == "closed" else None,
        start=date(2026, 11, 2),
        signals=[signal],
    )
    return Cohort(NOVEMBER, [signal], [case], Counter()), signal


@pytest.mark.parametrize(
    "result",
    [
        VERVOLGHULP,
        "Vervolghulp en/of verwijzing financieel",
        "Vervolghulp en/of verwijzing niet financieel",
        VERWIJZING_ZONDER_INWONER,
    ],
)
def test_a_referral_without_an_attempt_is_taken_up_on_the_day_it_was_closed(
    result: str,
) -> None:
    cohort, signal = cohort_of("closed", result)
    assert cohort.cases[0].taken_up_on == CLOSED_ON
    assert status_of(cohort, signal) == OPGEPAKT


@pytest.mark.parametrize(
    ("state", "result"),
    [("closed", "Niet opgepakt: herhaalde melding"), ("open", None)],
)
def test_not_taken_up_and_not_yet_taken_up_stay_niet_opgepakt(
    state: str, result: str | None
) -> None:
    cohort, signal = cohort_of(state, result)
    assert cohort.cases[0].taken_up_on is None
    assert status_of(cohort, signal) == NIET_OPGEPAKT
