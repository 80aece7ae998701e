"""Normalising the values partners send: amounts, dates, booleans, postcodes, phones, BSN.

Each takes the raw text and returns the value or raises `Invalid` saying why. They run a
million times per big file, so the common shapes take a fast path.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import phonenumbers
from babel.core import Locale, UnknownLocaleError

MAX_AMOUNT_CENTS = 1_000_000_00


class Invalid(ValueError):
    """A value that cannot be used; the message says why."""


# -- amounts ----------------------------------------------------------------------------------
_AMOUNT_NOISE = str.maketrans("", "", " \u00a0\u202f€'")


def parse_amount_cents(raw: str) -> int:
    """Euros in Dutch or English notation (`450,00`, `€ 1.234,56`, `1,234.56`, `EUR 450`) →
    cents. The last separator followed by one or two digits is the decimal mark; any other
    groups thousands."""
    text = raw.translate(_AMOUNT_NOISE)
    if text[:3].upper() == "EUR":
        text = text[3:]
    if not text:
        raise Invalid("bedrag ontbreekt")
    if text[0] in "-−":
        raise Invalid(f"bedrag is negatief: {raw.strip()!r}")
    if text[0] == "+":
        text = text[1:]
    if text.isdigit():
        euros, cents = text, "0"
    else:
        cut = max(text.rfind(","), text.rfind("."))
        tail = text[cut + 1 :]
        if cut > 0 and 1 <= len(tail) <= 2 and tail.isdigit():
            euros, cents = text[:cut], tail.ljust(2, "0")
        else:
            euros, cents = text, "0"
        grouped = euros.replace(".", "").replace(",", "")
        if not grouped.isdigit() or not _valid_grouping(euros):
            raise Invalid(f"bedrag is geen getal: {raw.strip()!r}")
        euros = grouped
    if not euros.isascii():
        raise Invalid(f"bedrag is geen getal: {raw.strip()!r}")
    value = int(euros) * 100 + int(cents)
    if value > MAX_AMOUNT_CENTS:
        raise Invalid(f"bedrag is onwaarschijnlijk hoog (meer dan € 1.000.000): {raw.strip()!r}")
    return value


def _valid_grouping(euros: str) -> bool:
    """`1.234.567` and `1,234` group by three; `12.34.5` does not."""
    if euros.isdigit():
        return True
    parts = re.split(r"[.,]", euros)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


# -- dates ------------------------------------------------------------------------------------
# A file has a few hundred distinct signal dates and some tens of thousands of birth dates:
# the cache saves the parsing of the rows that reach the row validator.
@lru_cache(maxsize=65536)
def parse_date(raw: str) -> date:
    """`YYYY-MM-DD` or `DD-MM-YYYY` (also with `/` or `.`)."""
    text = raw.strip()
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        if len(text) == 10 and text[2] in "-/." and text[5] == text[2]:
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError as exc:
        raise Invalid(f"onmogelijke datum: {text!r}") from exc
    raise Invalid(f"datum niet als JJJJ-MM-DD of DD-MM-JJJJ: {text[:40]!r}")


# -- booleans ---------------------------------------------------------------------------------
BOOLS = {  # also signals.columnar
    **dict.fromkeys(("ja", "j", "true", "waar", "1", "yes", "y"), True),
    **dict.fromkeys(("nee", "n", "false", "onwaar", "0", "no", ""), False),
}


def parse_bool(raw: str) -> bool:
    known = BOOLS.get(raw)  # `ja` / `nee` as most files write them
    if known is None:
        known = BOOLS.get(raw.strip().lower())
    if known is None:
        raise Invalid(f"geen ja/nee-waarde: {raw.strip()[:40]!r}")
    return known


# -- address ----------------------------------------------------------------------------------
_POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")


def normalize_postcode(raw: str) -> str:
    match = _POSTCODE.fullmatch(raw.strip())
    if not match:
        raise Invalid(f"geen Nederlandse postcode (1234AB): {raw.strip()[:40]!r}")
    return match[1] + match[2].upper()


def normalize_huisnummer(raw: str) -> str:
    text = raw.strip()
    if not text.isdigit() or not text.isascii() or not 0 < int(text) < 100000:
        raise Invalid(f"huisnummer is geen getal van 1 tot 99999: {text[:40]!r}")
    return str(int(text))


def normalize_toevoeging(raw: str) -> str:
    text = " ".join(raw.split()).upper().lstrip("-")
    if len(text) > 20:
        raise Invalid("huisnummertoevoeging is langer dan 20 tekens")
    return text


def address_key(postcode: str, huisnummer: str, toevoeging: str) -> str:
    return f"{postcode}|{huisnummer}|{toevoeging}"


# -- phone ------------------------------------------------------------------------------------
_PHONE_NOISE = str.maketrans("", "", " -.()\u00a0/")
_NL_MOBILE = re.compile(r"(?:\+31|0031|0)6([1-5]\d{7})")


def normalize_phone(raw: str) -> str:
    """Any Dutch or international notation → E.164, e.g. `06 12345678` → `+31612345678`."""
    compact = raw.translate(_PHONE_NOISE)
    fast = _NL_MOBILE.fullmatch(compact)
    if fast:
        # Dutch mobile numbers, by far the most common, skip the (slow) general parser.
        return "+316" + fast[1]
    return _normalize_phone_slow(raw.strip())


@lru_cache(maxsize=4096)
def _normalize_phone_slow(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException as exc:
        raise Invalid(f"geen telefoonnummer: {text[:40]!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"ongeldig telefoonnummer: {text[:40]!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# -- identity ---------------------------------------------------------------------------------
def bsn_digits(raw: str) -> str:
    """A burgerservicenummer's 9 digits (8 with an implied leading zero), elfproef unchecked."""
    text = raw.strip().replace(".", "").replace(" ", "")
    if len(text) == 8:
        text = "0" + text
    if len(text) != 9 or not text.isdigit() or not text.isascii():
        raise Invalid("BSN is geen 9 cijfers")
    return text


def check_bsn(raw: str) -> str:
    """`bsn_digits` passing the elfproef."""
    text = bsn_digits(raw)
    digits = [int(c) for c in text]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    if total % 11 != 0 or (total == 0 and not any(digits)):
        raise Invalid("BSN voldoet niet aan de elfproef")
    return text


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def normalize_email(raw: str) -> str:
    text = raw.strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise Invalid(f"ongeldig e-mailadres: {text[:60]!r}")
    return text.lower()


@lru_cache(maxsize=512)
def normalize_language(raw: str) -> str:
    """An ISO 639-1 code (`nl`, `EN`, `tr-TR`) → its lower-case two-letter code."""
    text = raw.strip().replace("_", "-").split("-")[0].lower()
    unknown = f"onbekende taal (ISO 639-1, bv. nl of en): {raw.strip()[:20]!r}"
    if len(text) != 2 or not text.isalpha():
        raise Invalid(unknown)
    try:
        Locale.parse(text)
    except (UnknownLocaleError, ValueError) as exc:
        raise Invalid(unknown) from exc
    return text
