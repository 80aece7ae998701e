"""Who delivers the DDAS document: the municipality's `[ddas]` settings, checked before use.

The delivering organisation (`aanleverendeOrganisatie`) and the supplier code
(`codeGegevensleverancier`) come from the configuration; what the national schema would refuse
(an e-mail address its format checker refuses, an unknown key, a contact listed twice) is
refused here already, with the key that is wrong, rather than as an invalid document later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from jsonschema import Draft202012Validator

SUPPLIER_CODE: Final = "ZAADJE"
CONTACT_KEYS: Final = ("naam", "telefoonnummer", "email", "functietitel")  # the schema's order
KEYS: Final = frozenset({"organisatie", "kvk_nummer", "leverancierscode", "contactpersonen"})
KVK_NUMMER = re.compile(r"\d{8}")
# Stricter than the schema's format checker (which only wants an "@"): a typo such as a
# missing domain is caught here; both must accept the address.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class DdasConfigError(ValueError):
    """A `[ddas]` setting that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Organisation:
    naam: str
    kvk_nummer: str | None = None
    contactpersonen: tuple[dict[str, str], ...] = ()  # each with some of CONTACT_KEYS


@dataclass(frozen=True)
class DdasSettings:
    organisation: Organisation
    supplier_code: str  # codeGegevensleverancier

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], gemeente_naam: str) -> DdasSettings:
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise DdasConfigError(
                f"ddas.{unknown[0]}: unknown key (expected one of {sorted(KEYS)})"
            )
        naam = _text(raw, "organisatie", "ddas.organisatie") or f"Gemeente {gemeente_naam}".strip()
        kvk = _text(raw, "kvk_nummer", "ddas.kvk_nummer")
        if kvk and not KVK_NUMMER.fullmatch(kvk):
            raise DdasConfigError(f"ddas.kvk_nummer: a KvK number has 8 digits: {kvk!r}")
        supplier = _text(raw, "leverancierscode", "ddas.leverancierscode") or SUPPLIER_CODE
        return cls(
            Organisation(naam, kvk or None, _contacts(raw.get("contactpersonen", []))),
            supplier,
        )


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise DdasConfigError(f'{where}: must be text in quotes, e.g. "…", got {value!r}')
    return value.strip()


def _contacts(raw: Any) -> tuple[dict[str, str], ...]:
    """`[[ddas.contactpersonen]]`; none at all is left out (the schema wants at least one)."""
    if not isinstance(raw, list):
        raise DdasConfigError("ddas.contactpersonen: must be a list of [[ddas.contactpersonen]]")
    contacts: list[dict[str, str]] = []
    for number, table in enumerate(raw, start=1):
        where = f"ddas.contactpersonen[{number}]"
        if not isinstance(table, dict):
            raise DdasConfigError(f"{where}: must be a table with naam, email, …")
        unknown = sorted(set(table) - set(CONTACT_KEYS))
        if unknown:
            raise DdasConfigError(
                f"{where}.{unknown[0]}: unknown key (expected one of {list(CONTACT_KEYS)})"
            )
        contact = {key: _text(table, key, f"{where}.{key}") for key in CONTACT_KEYS}
        contact = {key: value for key, value in contact.items() if value}
        if "naam" not in contact:
            raise DdasConfigError(f"{where}.naam: a contact person needs a name")
        email = contact.get("email")
        if email is not None and not (
            EMAIL.fullmatch(email) and Draft202012Validator.FORMAT_CHECKER.conforms(email, "email")
        ):
            raise DdasConfigError(f"{where}.email: not an e-mail address: {email!r}")
        if contact in contacts:
            raise DdasConfigError(f"{where}: the same contact person is listed twice")
        contacts.append(contact)
    return tuple(contacts)
