"""The normalisers partners' values pass through (pure, no database)."""

from __future__ import annotations

from datetime import date

import phonenumbers
import pytest

from signals.normalize import (
    Invalid,
    check_bsn,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_postcode,
    parse_amount_cents,
    parse_bool,
    parse_date,
)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("450", 45000),
        ("450.00", 45000),
        ("450,00", 45000),
        ("450,5", 45050),
        ("1.234,56", 123456),
        ("€ 1.234,56", 123456),
        ("€1234,56", 123456),
        ("1,234.56", 123456),
        ("1.234", 123400),
        ("1,234", 123400),
        ("EUR 75", 7500),
        ("1.000.000", 100000000),
        ("\u00a0 99,99 ", 9999),
    ],
)
def test_amount_notations(raw: str, cents: int) -> None:
    assert parse_amount_cents(raw) == cents


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-450", "negatief"),
        ("−12,00", "negatief"),
        ("1000000,01", "onwaarschijnlijk hoog"),
        ("99999999999", "onwaarschijnlijk hoog"),
        ("abc", "geen getal"),
        ("12.34.5", "geen getal"),
        ("1,2,3", "geen getal"),
        ("", "ontbreekt"),
        ("٤٥٠", "geen getal"),
    ],
)
def test_bad_amounts_say_why(raw: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        parse_amount_cents(raw)


def test_dates_both_notations_and_impossible_ones() -> None:
    assert parse_date("2025-01-31") == date(2025, 1, 31)
    assert parse_date("31-01-2025") == date(2025, 1, 31)
    assert parse_date("29-02-2024") == date(2024, 2, 29)
    with pytest.raises(Invalid, match="onmogelijke datum"):
        parse_date("2025-02-30")
    with pytest.raises(Invalid, match="onmogelijke datum"):
        parse_date("31-13-2025")
    with pytest.raises(Invalid, match="JJJJ-MM-DD"):
        parse_date("gisteren")


def test_booleans() -> None:
    assert [parse_bool(v) for v in ("ja", "JA", "true", "1", "nee", "false", "0", "")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    with pytest.raises(Invalid):
        parse_bool("misschien")


def test_postcodes() -> None:
    assert normalize_postcode("1234 ab") == "1234AB"
    assert normalize_postcode("1234AB") == "1234AB"
    for bad in ("0123AB", "12345", "1234 A", "AB1234"):
        with pytest.raises(Invalid):
            normalize_postcode(bad)


@pytest.mark.parametrize(
    "raw",
    [
        "06 12345678",
        "0612345678",
        "06-12345678",
        "+31 6 1234 5678",
        "0031612345678",
        "020 123 4567",
        "+32 470 12 34 56",
        "010-1234567",
    ],
)
def test_phone_fast_path_agrees_with_phonenumbers(raw: str) -> None:
    expected = phonenumbers.format_number(
        phonenumbers.parse(raw, "NL"), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalize_phone(raw) == expected


def test_invalid_phone() -> None:
    with pytest.raises(Invalid):
        normalize_phone("0612345")
    with pytest.raises(Invalid):
        normalize_phone("bel me niet")


def test_bsn_elfproef() -> None:
    assert check_bsn("111222333") == "111222333"
    assert check_bsn("12345672") == "012345672"
    with pytest.raises(Invalid, match="elfproef"):
        check_bsn("123456789")
    with pytest.raises(Invalid, match="elfproef"):
        check_bsn("000000000")
    with pytest.raises(Invalid, match="9 cijfers"):
        check_bsn("12ab")


def test_email_and_language() -> None:
    assert normalize_email(" A.Jansen@Example.NL ") == "a.jansen@example.nl"
    with pytest.raises(Invalid):
        normalize_email("geen-adres")
    assert normalize_language("TR") == "tr"
    assert normalize_language("en-GB") == "en"
    with pytest.raises(Invalid):
        normalize_language("klingon")
    with pytest.raises(Invalid):
        normalize_language("xx")
