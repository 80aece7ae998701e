"""What differs between the DDAS versions Zaadje delivers: names, words, the `client`, the schema.

Zaadje stores v1.2 words (migration 0011); a value stored before that migration is read as its
v1.2 word first (`flows.ddas.V12_OF`), so both deliveries start from the same v1.2 facts. A
v0.9 delivery then maps them back (`V09_RESULT`, `V09_SOORT`, and `V09_STATUS` here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from flows.ddas import OPGEPAKT, V09_RESULT, V09_SOORT, V12_OF
from monitor.ddas_config import Organisation

HERE = Path(__file__).parent

# v1.2 signal status → v0.9. v0.9 has no "Opgepakt": it leaves the status out once the case
# has been taken up (the vroegsignaalzaak says what happened); "already known to debt help"
# is, in v0.9 words, not taken up for another reason (as migration 0011's downgrade maps it).
V09_STATUS: Final[dict[str, str | None]] = {
    OPGEPAKT: None,
    "Inwoner al bekend bij schuldhulpverlening": "Niet opgepakt: andere reden",
}

Person = Mapping[str, str]  # a signal's personal columns that are set, as text
Client = Callable[[Person], dict[str, str]]


def _pick(person: Person, fields: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {name: person[column] for column, name in fields if column in person}


# (signal column, DDAS name), in the schema's order.
V1_2_ADDRESS = (
    ("gender", "geslachtsaanduiding"),
    ("birth_date", "geboortedatum"),
    ("postcode", "postcode"),
    ("huisnummer", "huisnummer"),
    ("toevoeging", "huisnummertoevoeging"),
)
V0_9_CLIENT = (
    ("bsn", "Burgerservicenummer"),
    ("initials", "Voorletters"),
    ("prefix", "Voorvoegsel"),
    ("surname", "Achternaam"),
    ("birth_date", "Geboortedatum"),
    ("street", "Straatnaam"),
    ("postcode", "Postcode"),
    ("huisnummer", "Huisnummer"),
    ("toevoeging", "Huisnummertoevoeging"),
    ("city", "Plaatsnaam"),
)

# The signal's personal columns either version's `client` may use.
PERSONAL: Final = tuple(dict.fromkeys(column for column, _ in (*V0_9_CLIENT, *V1_2_ADDRESS)))


# A signal whose personal data was erased (retention, or on request) still counts in the
# period's figures: it is delivered with an empty address, which the schema accepts and which
# points to nobody (the delivery keeps the monitor's counts).
ERASED_CLIENT: Final = {"postcode": "", "huisnummer": ""}


def client_v1_2(person: Person) -> dict[str, str]:
    """v1.2 allows one of two forms: the address (postcode + huisnummer, no BSN) whenever the
    signal has one, since it identifies the person less strongly than a BSN; else only the
    BSN. No names, street or city."""
    if "postcode" in person and "huisnummer" in person:
        return _pick(person, V1_2_ADDRESS)
    if "bsn" in person:
        return {"burgerservicenummer": person["bsn"]}
    return dict(ERASED_CLIENT)


def client_v0_9(person: Person) -> dict[str, str]:
    """Every field the signal carried; the BSN only where it had one."""
    return _pick(person, V0_9_CLIENT)


@dataclass(frozen=True)
class DdasVersion:
    name: str
    schema_file: str  # in this package
    organisation: str  # the levering's key for the delivering organisation
    contacts: str  # its key for the contact persons
    matching_start: str  # the vroegsignaalzaak's keys
    taken_up: str
    matching_end: str
    client: Client
    results: Mapping[str, str] = field(default_factory=dict)  # v1.2 word → this version's
    soorten: Mapping[str, str] = field(default_factory=dict)
    statuses: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def schema_path(self) -> Path:
        return HERE / self.schema_file

    def result(self, stored: str) -> str:
        v1_2 = V12_OF.get(stored, stored)
        return self.results.get(v1_2, v1_2)

    def soort(self, stored: str) -> str:
        return self.soorten.get(stored, stored)

    def status(self, v1_2: str) -> str | None:
        return self.statuses.get(v1_2, v1_2)

    def named(self, organisation: Organisation) -> dict[str, Any]:
        """The delivering organisation, from the `[ddas]` settings."""
        item: dict[str, Any] = {"naam": organisation.naam}
        if organisation.kvk_nummer:
            item["kvk-nummer"] = organisation.kvk_nummer
        if organisation.contactpersonen:  # the schema wants at least one, or none at all
            item[self.contacts] = [dict(c) for c in organisation.contactpersonen]
        return item


V1_2: Final = DdasVersion(
    name="1.2",
    schema_file="ddas_v1_2_schema.json",
    organisation="aanleverendeOrganisatie",
    contacts="contactpersonen",
    matching_start="startdatumMatchingperiode",
    taken_up="datumOpgepakt",
    matching_end="einddatumMatchingperiode",
    client=client_v1_2,
)
V0_9: Final = DdasVersion(
    name="0.9",
    schema_file="json_schema_Uitwisselmodel.json",
    organisation="aanleverende_organisatie",
    contacts="contactpersoonen",  # sic, as v0.9 spells it
    matching_start="startdatum_matchtingperiode",  # sic
    taken_up="datum_opgepakt",
    matching_end="einddatum_matchingperiode",
    client=client_v0_9,
    results=V09_RESULT,
    soorten=V09_SOORT,
    statuses=V09_STATUS,
)
VERSIONS: Final[dict[str, DdasVersion]] = {v.name: v for v in (V1_2, V0_9)}
DEFAULT_VERSION: Final = V1_2.name
