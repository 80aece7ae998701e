"""The DDAS document built from a period's facts, in v1.2 and v0.9: the `client` forms, the
words of each version (also for values stored before the v1.2 vocabulary), the delivering
organisation, and the `[ddas]` settings that would make a document CBS refuses."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor.cohort import AttemptFact, CaseFact, Cohort, SignalFact
from monitor.ddas_config import DdasConfigError, DdasSettings, Organisation
from monitor.ddas_export import Delivery, build_document, validate
from monitor.ddas_versions import V0_9, V1_2, DdasVersion, Person
from monitor.period import Period

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Europe/Amsterdam"))
BSN = "111222333"
ADDRESS: Person = {"postcode": "1234AB", "huisnummer": "12", "toevoeging": "b"}
NAMED: Person = {"initials": "J.", "surname": "Jansen", "street": "Dorpsstraat", "city": "Ede"}
ORGANISATION = Organisation(
    "Gemeente Ede",
    "12345678",
    ({"naam": "A. de Vries", "email": "a.devries@ede.nl", "functietitel": "Coördinator"},),
)


def signal(number: int, case_id: int | None, **changes: Any) -> SignalFact:
    values: dict[str, Any] = {
        "id": number,
        "partner_type": "Huur",
        "partner_name": "Woonstad",
        "partner_signal_id": f"S-{number}",
        "signal_date": date(2026, 10, 20),
        "origin_date": None,
        "received": date(2026, 11, 2),
        "amount_cents": 64_049,
        "crisis": False,
        "warm_handover": False,
        "pattern": "enkelvoudig",
        "suppressed_reason": None,
        "status": "Nog niet opgepakt",
        "case_id": case_id,
    }
    return SignalFact(**{**values, **changes})


def case(number: int, signals: list[SignalFact], **changes: Any) -> CaseFact:
    values: dict[str, Any] = {
        "id": number,
        "state": "open",
        "crisis": False,
        "deadline": None,
        "result": None,
        "closed_on": None,
        "start": date(2026, 11, 2),
        "signals": signals,
    }
    return CaseFact(**{**values, **changes})


def delivery(organisation: Organisation = ORGANISATION) -> Delivery:
    now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    return Delivery("0228", organisation, "ZAADJE", 6, now)


def document(
    version: DdasVersion, persons: dict[int, Person], organisation: Organisation = ORGANISATION
) -> dict[str, Any]:
    """Three cases: one taken up and closed with words stored before v1.2, one closed with a
    word only v1.2 knows, one not yet taken up; plus a suppressed signal."""
    referred = signal(1, 10)
    followed_up = signal(2, 20)
    waiting = signal(3, 30, partner_type="Energie")
    suppressed = signal(4, None, suppressed_reason="Bedrag onder de drempel", amount_cents=4000)
    cases = [
        case(10, [referred], state="closed", result="Verwijzing zonder contact"),
        case(20, [followed_up], state="closed", result="Vervolghulp en/of verwijzing"),
        case(30, [waiting]),
    ]
    cases[0].attempts = [
        AttemptFact(1, "SMS/Whatsapp", False, date(2026, 11, 2), "Ochtend"),
        AttemptFact(2, "Afspraak op locatie", True, date(2026, 11, 5), "Middag"),
        AttemptFact(3, "Brief", False, date(2026, 11, 6), None),
    ]
    cases[1].attempts = [AttemptFact(4, "Onbekend", True, date(2026, 11, 3), "Avond")]
    cohort = Cohort(NOVEMBER, [referred, followed_up, waiting, suppressed], cases, Counter())
    built = build_document(cohort, persons, delivery(organisation), version)
    validate(built, version)  # against the version's own schema, with the format checker
    return built


def by_id(built: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["ID"]: s for s in built["leveringen"][0]["vroegsignalen"]}


PERSONS: dict[int, Person] = {
    # Address and BSN: the address form (it identifies the person less strongly).
    1: {"bsn": BSN, **ADDRESS, **NAMED, "birth_date": "1970-01-31", "gender": "Vrouw"},
    2: {"bsn": BSN},  # only a BSN ("adres onbekend")
    3: {**ADDRESS, "surname": "Smit"},
    4: {**ADDRESS},
}


def test_v1_2_delivers_the_address_form_where_there_is_an_address_else_only_the_bsn() -> None:
    signals = by_id(document(V1_2, PERSONS))
    assert signals["S-1"]["client"] == {
        "geslachtsaanduiding": "Vrouw",
        "geboortedatum": "1970-01-31",
        "postcode": "1234AB",
        "huisnummer": "12",
        "huisnummertoevoeging": "b",
    }
    assert signals["S-2"]["client"] == {"burgerservicenummer": BSN}
    # No names in v1.2.
    assert signals["S-3"]["client"] == {
        "postcode": "1234AB",
        "huisnummer": "12",
        "huisnummertoevoeging": "b",
    }


def test_v0_9_delivers_every_field_the_signal_carried() -> None:
    signals = by_id(document(V0_9, PERSONS))
    assert signals["S-1"]["client"] == {
        "Burgerservicenummer": BSN,
        "Voorletters": "J.",
        "Achternaam": "Jansen",
        "Geboortedatum": "1970-01-31",
        "Straatnaam": "Dorpsstraat",
        "Postcode": "1234AB",
        "Huisnummer": "12",
        "Huisnummertoevoeging": "b",
        "Plaatsnaam": "Ede",
    }
    assert signals["S-2"]["client"] == {"Burgerservicenummer": BSN}


@pytest.mark.parametrize(
    ("version", "words"),
    [
        (
            V1_2,
            {
                "results": [
                    "Verwijzing zonder tussenkomst inwoner",
                    "Vervolghulp en/of verwijzing",
                ],
                "soorten": ["SMS/Whatsapp", "Afspraak op locatie", "Brief", "Onbekend"],
                "status": [
                    "Opgepakt",
                    "Opgepakt",
                    "Nog niet opgepakt",
                    "Niet opgepakt: andere reden",
                ],
                "keys": ["startdatumMatchingperiode", "datumOpgepakt", "einddatumMatchingperiode"],
            },
        ),
        (
            V0_9,
            {
                "results": ["Verwijzing zonder contact", "Vervolghulp en/of verwijzing financieel"],
                "soorten": ["SMS/Whatsapp", "Huisbezoek", "Brief", "Overige"],
                "status": [None, None, "Nog niet opgepakt", "Niet opgepakt: andere reden"],
                "keys": [
                    "startdatum_matchtingperiode",
                    "datum_opgepakt",
                    "einddatum_matchingperiode",
                ],
            },
        ),
    ],
    ids=["v1.2", "v0.9"],
)
def test_each_version_speaks_its_own_words(version: DdasVersion, words: dict[str, Any]) -> None:
    built = document(version, PERSONS)
    (levering,) = built["leveringen"]
    cases = levering["vroegsignaalzaken"]
    assert [c.get("resultaat") for c in cases] == [*words["results"], None]
    assert [a["soort"] for c in cases for a in c["contactpogingen"]] == words["soorten"]
    assert [s.get("status") for s in levering["vroegsignalen"]] == words["status"]
    # The matching period and the day taken up, under the version's names.
    assert [cases[0][key] for key in words["keys"]] == ["2026-04-20", "2026-11-02", "2026-10-31"]
    assert words["keys"][1] not in cases[2]  # not taken up yet
    assert cases[0]["matchingsdatum"] == "2026-11-02"
    assert [a.get("dagdeel") for a in cases[0]["contactpogingen"]] == ["Ochtend", "Middag", None]


def test_the_delivering_organisation_comes_under_each_versions_names() -> None:
    v1_2 = document(V1_2, PERSONS)["leveringen"][0]["aanleverendeOrganisatie"]
    assert v1_2 == {
        "naam": "Gemeente Ede",
        "kvk-nummer": "12345678",
        "contactpersonen": [
            {"naam": "A. de Vries", "email": "a.devries@ede.nl", "functietitel": "Coördinator"}
        ],
    }
    v0_9 = document(V0_9, PERSONS)["leveringen"][0]["aanleverende_organisatie"]
    assert v0_9["contactpersoonen"] == v1_2["contactpersonen"]
    # Without a KvK number or contact persons those keys are left out (minItems 1).
    bare = document(V1_2, PERSONS, Organisation("Gemeente Ede"))["leveringen"][0]
    assert bare["aanleverendeOrganisatie"] == {"naam": "Gemeente Ede"}


def test_an_erased_signal_is_delivered_with_an_empty_address_in_v1_2() -> None:
    erased = {**PERSONS, 3: {}}  # as retention leaves a signal
    document_v1_2 = document(V1_2, erased)
    assert by_id(document_v1_2)["S-3"]["client"] == {"postcode": "", "huisnummer": ""}
    validate(document_v1_2, V1_2)  # the schema accepts it: the period's counts stay whole
    assert by_id(document(V0_9, erased))["S-3"]["client"] == {}


def test_the_ddas_settings_default_to_the_municipality_and_zaadje() -> None:
    settings = DdasSettings.from_config({"contactpersonen": []}, "Ede")
    assert settings == DdasSettings(Organisation("Gemeente Ede"), "ZAADJE")
    configured = DdasSettings.from_config(
        {
            "organisatie": "Stichting Schuldhulp",
            "kvk_nummer": "12345678",
            "leverancierscode": "ACME",
            "contactpersonen": [{"naam": "B", "telefoonnummer": "030 1234567", "email": ""}],
        },
        "Ede",
    )
    assert configured.organisation == Organisation(
        "Stichting Schuldhulp", "12345678", ({"naam": "B", "telefoonnummer": "030 1234567"},)
    )
    assert configured.supplier_code == "ACME"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"contactpersonen": [{"naam": "A", "email": "a.devries.ede.nl"}]}, "[1].email: not an"),
        ({"contactpersonen": [{"naam": "A", "email": "a@ede"}]}, "[1].email: not an e-mail"),
        ({"contactpersonen": [{"email": "a@ede.nl"}]}, "[1].naam: a contact person needs"),
        ({"contactpersonen": [{"naam": "A", "mobiel": "06"}]}, "[1].mobiel: unknown key"),
        ({"contactpersonen": [{"naam": "A"}, {"naam": "A"}]}, "[2]: the same contact person"),
        ({"contactpersonen": {"naam": "A"}}, "ddas.contactpersonen: must be a list"),
        ({"kvk_nummer": "1234"}, "ddas.kvk_nummer: a KvK number has 8 digits"),
        ({"kvk_nummer": 12345678}, "ddas.kvk_nummer: must be text in quotes"),
        ({"organisation": "x"}, "ddas.organisation: unknown key"),
    ],
)
def test_ddas_settings_that_cbs_would_refuse_are_refused_naming_the_key(
    raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(DdasConfigError) as caught:
        DdasSettings.from_config(raw, "Ede")
    assert message in str(caught.value)
