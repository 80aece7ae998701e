"""DDAS v1.2 in the flow engine: a home visit that became an appointment at a location, the
shipped ladders' results, and a municipality's settings still written in v0.9 words."""

from __future__ import annotations

import pytest

from flows import CloseCase, Delivered, Planned, RecordAttempt, SendMessage, load_flow
from flows.ddas import (
    AFSPRAAK_OP_LOCATIE,
    EINDRESULTATEN,
    GEEN_HULP,
    VERVOLGHULP,
    VERWIJZING_ZONDER_INWONER,
)
from tests.flows.flows_kit import Driver, at, new_case


def visit() -> Driver:
    case = new_case(at(2025, 3, 3, 10), has_phone=False)  # no phone: a letter, then a visit
    [letter] = case.of(case.apply(Planned()), SendMessage)
    case.apply(Delivered(letter.idempotency_key))  # posted: the wait starts
    case.fire()  # five working days later, the home visit
    return case


def test_a_home_visit_recorded_as_an_appointment_at_a_location_leaves_no_card() -> None:
    case = visit()
    actions = case.outcome(
        "home_visit", reached=False, when=at(2025, 3, 5, 15), soort=AFSPRAAK_OP_LOCATIE
    )
    assert [(a.soort, a.bereikt) for a in case.of(actions, RecordAttempt)] == [
        (AFSPRAAK_OP_LOCATIE, False)
    ]
    assert [a.soort for a in case.state.attempts] == ["Brief", AFSPRAAK_OP_LOCATIE]


def test_reached_at_a_location_with_a_referral_closes_with_the_v12_result() -> None:
    case = visit()
    actions = case.outcome(
        "home_visit",
        reached=True,
        when=at(2025, 3, 5, 15),
        soort=AFSPRAAK_OP_LOCATIE,
        result=VERVOLGHULP,
    )
    assert case.of(actions, CloseCase) == [CloseCase(VERVOLGHULP)]
    [attempt] = case.of(actions, RecordAttempt)
    assert (attempt.soort, attempt.bereikt) == (AFSPRAAK_OP_LOCATIE, True)


def test_a_home_visit_without_a_soort_is_a_huisbezoek() -> None:
    case = visit()
    actions = case.outcome("home_visit", reached=True, when=at(2025, 3, 5, 15))
    assert [a.soort for a in case.of(actions, RecordAttempt)] == ["Huisbezoek"]


def test_a_task_is_never_recorded_as_a_kind_it_cannot_be() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)  # SMS and a phone task at once
    case.apply(Planned())
    with pytest.raises(ValueError, match="phone task is recorded as contactsoort Telefoon"):
        case.outcome("phone", reached=True, soort=AFSPRAAK_OP_LOCATIE)


def test_the_shipped_ladders_speak_v12() -> None:
    flow = load_flow()
    assert flow.results.no_thanks == GEEN_HULP
    closes = [
        s.result
        for name in ("default", "crisis", "welcome_back")
        for s in flow.ladder(name).steps
        if s.result
    ]
    assert closes and set(closes) <= EINDRESULTATEN
    assert flow.ladder("welcome_back").steps[-1].result == GEEN_HULP


def test_a_municipality_s_results_in_v09_words_are_read_as_v12() -> None:
    flow = load_flow(
        {
            "results": {"no_thanks": "Inwoner hoeft geen hulp vanuit vroegsignalering"},
            "ladders": {
                "default": {"steps": {"no_contact": {"result": "Verwijzing zonder contact"}}}
            },
        }
    )
    assert flow.results.no_thanks == GEEN_HULP
    assert flow.ladder("default").steps[-1].result == VERWIJZING_ZONDER_INWONER
