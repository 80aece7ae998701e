"""One row of a signal file → a normalised signal, or a rejection naming the field and reason.

Required fields that are missing or invalid reject the row; optional fields that are invalid
are dropped with a warning, so a bad phone number never costs a resident their outreach
(CONTRACT §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from signals.normalize import (
    Invalid,
    address_key,
    check_bsn,
    normalize_email,
    normalize_huisnummer,
    normalize_language,
    normalize_phone,
    normalize_postcode,
    normalize_toevoeging,
    parse_amount_cents,
    parse_bool,
    parse_date,
)

# DDAS v0.9 EnumSignaalpartner, looked up case-insensitively.
PARTNERS: dict[str, str] = {
    name.lower(): name
    for name in (
        "Energie",
        "Huur",
        "Hypotheek",
        "CAK Zorgverzekeringen",
        "Zorg",
        "Water",
        "DUO",
        "Belastingdienst",
        "CAK Eigen bijdrage",
        "Overige",
        "Dienst Toeslagen",
    )
}

COLUMNS = (
    "id",
    "signaalpartner",
    "signaalpartner_naam",
    "bedrag",
    "signaaldatum",
    "ontstaansdatum",
    "crisissignaal",
    "warme_overdracht",
    "eindeleveringsdatum",
    "bsn",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "geboortedatum",
    "straatnaam",
    "huisnummer",
    "huisnummertoevoeging",
    "postcode",
    "plaatsnaam",
    "telefoonnummer",
    "email",
    "taal",
)
REQUIRED = (
    "id",
    "signaalpartner",
    "bedrag",
    "signaaldatum",
    "achternaam",
    "huisnummer",
    "postcode",
)
MAX_TEXT = 200  # the DDAS length for names, streets and places


class Rejected(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(slots=True)
class ParsedSignal:
    line: int
    partner_type: str
    partner_signal_id: str
    partner_name: str | None
    amount_cents: int
    signal_date: date
    origin_date: date | None
    crisis: bool
    warm_handover: bool
    contract_end_date: date | None
    bsn: str | None
    initials: str | None
    prefix: str | None
    surname: str
    birth_date: date | None
    street: str | None
    huisnummer: str
    toevoeging: str
    postcode: str
    city: str | None
    phone: str | None
    email: str | None
    language: str | None

    @property
    def address_key(self) -> str:
        return address_key(self.postcode, self.huisnummer, self.toevoeging)


Warning = tuple[int, str, str]  # line, field, message


def _text(row: dict[str, str], field: str, required: bool = False) -> str | None:
    value = (row.get(field) or "").strip()
    if not value:
        if required:
            raise Rejected(field, f"{field} ontbreekt")
        return None
    if len(value) > MAX_TEXT:
        raise Rejected(field, f"{field} is langer dan {MAX_TEXT} tekens ({len(value)})")
    return value


def _required(row: dict[str, str], field: str) -> str:
    value = _text(row, field, required=True)
    assert value is not None
    return value


T = TypeVar("T")


def _optional(
    row: dict[str, str], field: str, parse: Callable[[str], T], line: int, warnings: list[Warning]
) -> T | None:
    raw = row.get(field)
    if raw is None or not raw.strip():
        return None
    try:
        return parse(raw)
    except Invalid as exc:
        warnings.append((line, field, f"{exc}; waarde niet overgenomen"))
        return None


def validate_row(
    row: dict[str, str], line: int, today: date, warnings: list[Warning]
) -> ParsedSignal:
    """Raise `Rejected` for an unusable row; append warnings for dropped optional values."""
    if "\x00" in "".join(row.values()):
        # PostgreSQL cannot store a NUL character; name the field instead of failing later.
        field = next(k for k, v in row.items() if "\x00" in v)
        raise Rejected(field, f"{field} bevat een ongeldig teken (NUL)")
    signal_id = _required(row, "id")
    partner_raw = _required(row, "signaalpartner")
    partner = PARTNERS.get(partner_raw.lower())
    if partner is None:
        raise Rejected("signaalpartner", f"onbekende signaalpartner: {partner_raw[:40]!r}")
    try:
        amount = parse_amount_cents(_required(row, "bedrag"))
    except Invalid as exc:
        raise Rejected("bedrag", str(exc)) from exc
    try:
        signal_date = parse_date(_required(row, "signaaldatum"))
    except Invalid as exc:
        raise Rejected("signaaldatum", str(exc)) from exc
    if signal_date > today:
        raise Rejected("signaaldatum", f"signaaldatum ligt in de toekomst: {signal_date}")
    surname = _required(row, "achternaam")
    try:
        postcode = normalize_postcode(_required(row, "postcode"))
    except Invalid as exc:
        raise Rejected("postcode", str(exc)) from exc
    try:
        huisnummer = normalize_huisnummer(_required(row, "huisnummer"))
    except Invalid as exc:
        raise Rejected("huisnummer", str(exc)) from exc
    try:
        toevoeging = normalize_toevoeging(row.get("huisnummertoevoeging") or "")
    except Invalid as exc:
        raise Rejected("huisnummertoevoeging", str(exc)) from exc

    partner_name = _text(row, "signaalpartner_naam")
    initials = _text(row, "voorletters")
    prefix = _text(row, "voorvoegsel")
    street = _text(row, "straatnaam")
    city = _text(row, "plaatsnaam")

    origin = _optional(row, "ontstaansdatum", parse_date, line, warnings)
    if origin is not None and origin > signal_date:
        warnings.append(
            (line, "ontstaansdatum", "ontstaansdatum ligt na de signaaldatum; niet overgenomen")
        )
        origin = None
    birth = _optional(row, "geboortedatum", parse_date, line, warnings)
    if birth is not None and not date(1900, 1, 1) <= birth <= today:
        warnings.append(
            (line, "geboortedatum", f"onwaarschijnlijke geboortedatum {birth}; niet overgenomen")
        )
        birth = None
    return ParsedSignal(
        line=line,
        partner_type=partner,
        partner_signal_id=signal_id,
        partner_name=partner_name,
        amount_cents=amount,
        signal_date=signal_date,
        origin_date=origin,
        crisis=bool(_optional(row, "crisissignaal", parse_bool, line, warnings)),
        warm_handover=bool(_optional(row, "warme_overdracht", parse_bool, line, warnings)),
        contract_end_date=_optional(row, "eindeleveringsdatum", parse_date, line, warnings),
        bsn=_optional(row, "bsn", check_bsn, line, warnings),
        initials=initials,
        prefix=prefix,
        surname=surname,
        birth_date=birth,
        street=street,
        huisnummer=huisnummer,
        toevoeging=toevoeging,
        postcode=postcode,
        city=city,
        phone=_optional(row, "telefoonnummer", normalize_phone, line, warnings),
        email=_optional(row, "email", normalize_email, line, warnings),
        language=_optional(row, "taal", normalize_language, line, warnings),
    )
