"""The DDAS v1.2 vocabularies the flows speak (copied from the national exchange model).

Kept here as plain constants, rather than read from the schema file, because `flows/` must not
do I/O and the municipality's CBS delivery needs exactly these strings. What Zaadje stores and
shows is v1.2; `V09_RESULT` / `V09_SOORT` map a value back for a v0.9 delivery and `V12_OF`
maps a stored or received v0.9 value forward (migration 0011 writes the same map out, the intake
of v0.9 documents, a municipality's settings written in v0.9 words).
"""

from __future__ import annotations

from typing import Final

# EnumEindresultaat (v1.2: 16 values).
EINDRESULTATEN: Final[frozenset[str]] = frozenset(
    {
        "(Budget)advies en/of quick fix",
        "Definitief geen contact kunnen krijgen",
        "Geen reactie na eerder contact",
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner heeft al een ander lopend traject",
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        "Inwoner is overleden",
        "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
        "Niet opgepakt: andere reden",
        "Niet opgepakt: herhaalde melding",
        "Niet opgepakt: onterecht signaal",
        "Persoon is geen inwoner (meer) in de gemeente",
        "Vervolghulp en/of verwijzing",
        "Vervolghulp en/of verwijzing financieel",
        "Vervolghulp en/of verwijzing niet financieel",
        "Verwijzing zonder tussenkomst inwoner",
    }
)

# EnumContactsoort (v1.2: 10 values).
CONTACTSOORTEN: Final[frozenset[str]] = frozenset(
    {
        "Administratief",
        "Afspraak op locatie",
        "Brief",
        "Huisbezoek",
        "Kaartje",
        "Mail",
        "Onbekend",
        "Overige",
        "SMS/Whatsapp",
        "Telefoon",
    }
)

# EnumSignaalstatus (v1.2: 8 values).
SIGNAALSTATUSSEN: Final[frozenset[str]] = frozenset(
    {
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner is overleden",
        "Niet opgepakt: andere reden",
        "Niet opgepakt: herhaalde melding",
        "Niet opgepakt: onterecht signaal",
        "Nog niet opgepakt",
        "Opgepakt",
        "Persoon is geen inwoner (meer) in de gemeente",
    }
)

# EnumSignaalpartner (the same 11 values in v0.9 and v1.2).
SIGNAALPARTNERS: Final[tuple[str, ...]] = (
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "CAK Zorgverzekeringen",
    "Dienst Toeslagen",
    "DUO",
    "Energie",
    "Huur",
    "Hypotheek",
    "Overige",
    "Water",
    "Zorg",
)

# Ordered: the engine rotates through them when it needs "another daypart".
DAGDELEN: Final[tuple[str, ...]] = ("Ochtend", "Middag", "Avond")

SMS: Final = "SMS/Whatsapp"
TELEFOON: Final = "Telefoon"
HUISBEZOEK: Final = "Huisbezoek"
KAARTJE: Final = "Kaartje"
BRIEF: Final = "Brief"
AFSPRAAK_OP_LOCATIE: Final = "Afspraak op locatie"
ONBEKEND: Final = "Onbekend"

NOG_NIET_OPGEPAKT: Final = "Nog niet opgepakt"
OPGEPAKT: Final = "Opgepakt"
GEEN_HULP: Final = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
VERWIJZING_ZONDER_INWONER: Final = "Verwijzing zonder tussenkomst inwoner"
VERVOLGHULP: Final = "Vervolghulp en/of verwijzing"

# v0.9 → v1.2 for results (v1.0 spelled the second one "Verwijzing zonder toestemming").
V12_OF: Final[dict[str, str]] = {
    "Inwoner hoeft geen hulp vanuit vroegsignalering": GEEN_HULP,
    "Verwijzing zonder contact": VERWIJZING_ZONDER_INWONER,
    "Verwijzing zonder toestemming": VERWIJZING_ZONDER_INWONER,
}

# v1.2 → v0.9 for a v0.9 delivery. Values v0.9 does not know map to their nearest v0.9 word:
# a referral without a financial/non-financial split, an appointment at a location (a
# meeting, as a home visit is), a status "Opgepakt" (v0.9 leaves the status out once a case
# has been taken up) and an unknown contact kind.
V09_RESULT: Final[dict[str, str]] = {
    GEEN_HULP: "Inwoner hoeft geen hulp vanuit vroegsignalering",
    VERWIJZING_ZONDER_INWONER: "Verwijzing zonder contact",
    VERVOLGHULP: "Vervolghulp en/of verwijzing financieel",
}
V09_SOORT: Final[dict[str, str]] = {AFSPRAAK_OP_LOCATIE: HUISBEZOEK, ONBEKEND: "Overige"}
