"""The DDAS v0.9 vocabularies the flows speak (copied from the national exchange model).

Kept here as plain constants, rather than read from the schema file, because `flows/` must not
do I/O and the municipality's CBS delivery needs exactly these strings.
"""

from __future__ import annotations

from typing import Final

EINDRESULTATEN: Final[frozenset[str]] = frozenset(
    {
        "Niet opgepakt: herhaalde melding",
        "Niet opgepakt: onterecht signaal",
        "Inwoner is overleden",
        "Persoon is geen inwoner (meer) in de gemeente",
        "Niet opgepakt: andere reden",
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner heeft al een ander lopend traject",
        "Definitief geen contact kunnen krijgen",
        "Geen reactie na eerder contact",
        "Inwoner hoeft geen hulp vanuit vroegsignalering",
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
        "(Budget)advies en/of quick fix",
        "Vervolghulp en/of verwijzing financieel",
        "Verwijzing zonder contact",
        "Vervolghulp en/of verwijzing niet financieel",
    }
)

CONTACTSOORTEN: Final[frozenset[str]] = frozenset(
    {
        "Mail",
        "Brief",
        "SMS/Whatsapp",
        "Telefoon",
        "Huisbezoek",
        "Kaartje",
        "Overige",
        "Administratief",
    }
)

# Ordered: the engine rotates through them when it needs "another daypart".
DAGDELEN: Final[tuple[str, ...]] = ("Ochtend", "Middag", "Avond")

SMS: Final = "SMS/Whatsapp"
TELEFOON: Final = "Telefoon"
HUISBEZOEK: Final = "Huisbezoek"
KAARTJE: Final = "Kaartje"
