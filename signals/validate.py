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

from flows.ddas import SIGNAALPARTNERS
from signals.normalize import (
    Invalid,
    bsn_digits,
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

# DDAS EnumSignaalpartner (the same in v0.9 and v1.2), looked up case-insensitively.
PARTNERS: dict[str, str] = {name.lower(): name for name in SIGNAALPARTNERS}
# DDAS v1.2 geslacht, looked up case-insensitively.
GENDERS: dict[str, str] = {name.lower(): name for name in ("Man", "Vrouw", "Onbekend", "Leeg")}
NO_NAME = "geen naam: teksten en brieven richten zich tot de bewoners van het adres"
WAITING = "geen adres, alleen een BSN: wacht op het adres (in te vullen in de desk)"

COLUMNS = (
    "id", "signaalpartner", "signaalpartner_naam", "bedrag", "signaaldatum", "ontstaansdatum",
    "crisissignaal", "warme_overdracht", "eindeleveringsdatum",
    "bsn", "voorletters", "voorvoegsel", "achternaam", "geboortedatum",
    "straatnaam", "huisnummer", "huisnummertoevoeging", "postcode", "plaatsnaam",
    "telefoonnummer", "email", "taal", "geslachtsaanduiding",
)  # fmt: skip
# Columns a file must have besides an address or a BSN (`missing_columns`); not a name, which
# DDAS v1.2 carries none of.
REQUIRED = ("id", "signaalpartner", "bedrag", "signaaldatum")


def missing_columns(names: list[str]) -> list[str]:
    """The required columns a header lacks: an address, or a BSN to find it by, is needed."""
    missing = [c for c in REQUIRED if c not in names]
    if "bsn" not in names:
        missing += [c for c in ("huisnummer", "postcode") if c not in names]
    return missing


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
    surname: str | None  # DDAS v1.2 carries no name
    birth_date: date | None
    street: str | None
    huisnummer: str | None  # None with postcode: only a BSN came, the address is unknown
    toevoeging: str
    postcode: str | None
    city: str | None
    phone: str | None
    email: str | None
    language: str | None
    gender: str | None


Warning = tuple[int, str, str]  # line, field, message


def _text(row: dict[str, str], field: str) -> str | None:
    value = (row.get(field) or "").strip()
    if len(value) > MAX_TEXT:
        raise Rejected(field, f"{field} is langer dan {MAX_TEXT} tekens ({len(value)})")
    return value or None


def _required(row: dict[str, str], field: str) -> str:
    value = _text(row, field)
    if value is None:
        raise Rejected(field, f"{field} ontbreekt")
    return value


T = TypeVar("T")


def _parsed(row: dict[str, str], field: str, parse: Callable[[str], T]) -> T:
    """A required field, parsed; what is missing or wrong rejects the row, naming the field."""
    try:
        return parse(_required(row, field))
    except Invalid as exc:
        raise Rejected(field, str(exc)) from exc


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
    amount = _parsed(row, "bedrag", parse_amount_cents)
    signal_date = _parsed(row, "signaaldatum", parse_date)
    if signal_date > today:
        raise Rejected("signaaldatum", f"signaaldatum ligt in de toekomst: {signal_date}")
    surname = _text(row, "achternaam")
    if surname is None:
        warnings.append((line, "achternaam", NO_NAME))
    postcode, huisnummer, toevoeging, bsn = _address_or_bsn(row, line, warnings)
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
        partner_name=_text(row, "signaalpartner_naam"),
        amount_cents=amount,
        signal_date=signal_date,
        origin_date=origin,
        crisis=bool(_optional(row, "crisissignaal", parse_bool, line, warnings)),
        warm_handover=bool(_optional(row, "warme_overdracht", parse_bool, line, warnings)),
        contract_end_date=_optional(row, "eindeleveringsdatum", parse_date, line, warnings),
        bsn=bsn,
        initials=_text(row, "voorletters"),
        prefix=_text(row, "voorvoegsel"),
        surname=surname,
        birth_date=birth,
        street=_text(row, "straatnaam"),
        huisnummer=huisnummer,
        toevoeging=toevoeging,
        postcode=postcode,
        city=_text(row, "plaatsnaam"),
        phone=_optional(row, "telefoonnummer", normalize_phone, line, warnings),
        email=_optional(row, "email", normalize_email, line, warnings),
        language=_optional(row, "taal", normalize_language, line, warnings),
        gender=_optional(row, "geslachtsaanduiding", _gender, line, warnings),
    )


def _gender(raw: str) -> str:
    found = GENDERS.get(raw.strip().lower())
    if found is None:
        raise Invalid(f"onbekende geslachtsaanduiding {raw.strip()[:20]!r}")
    return found


def _address_or_bsn(
    row: dict[str, str], line: int, warnings: list[Warning]
) -> tuple[str | None, str | None, str, str | None]:
    """postcode, huisnummer, toevoeging and BSN. A signal with only a BSN (DDAS v1.2 allows
    it) waits for its address; that BSN is the one way to find the resident, so 9 digits
    failing the elfproef are kept, with a warning."""
    has_address = bool((row.get("postcode") or "").strip() or (row.get("huisnummer") or "").strip())
    raw_bsn = (row.get("bsn") or "").strip()
    if has_address or not raw_bsn:
        postcode = _parsed(row, "postcode", normalize_postcode)
        huisnummer = _parsed(row, "huisnummer", normalize_huisnummer)
        try:
            toevoeging = normalize_toevoeging(row.get("huisnummertoevoeging") or "")
        except Invalid as exc:
            raise Rejected("huisnummertoevoeging", str(exc)) from exc
        return postcode, huisnummer, toevoeging, _optional(row, "bsn", check_bsn, line, warnings)
    try:
        bsn = bsn_digits(raw_bsn)
    except Invalid as exc:
        raise Rejected("bsn", f"geen adres en {exc}") from exc
    try:
        check_bsn(bsn)
    except Invalid as exc:
        warnings.append((line, "bsn", f"{exc}; bewaard omdat het signaal geen adres heeft"))
    warnings.append((line, "postcode", WAITING))
    return None, None, "", bsn
