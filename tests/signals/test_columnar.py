"""The intake's fast path (signals/columnar.py) against the row validator: a row taken in as
columns must be one `validate_row` takes in without a warning, with exactly the same values.
Otherwise a resident would get a different amount, date or phone number, a warning would
go missing, or a row the validator rejects would be stored, depending only on which of the
two paths the row happened to take."""

from __future__ import annotations

import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.gen_signals import generate
from signals.columnar import LANGUAGES, MARKERS, WHITESPACE, rows_frame, split_clean
from signals.reader import Row, open_rows
from signals.validate import COLUMNS, GENDERS, PARTNERS, ParsedSignal, Rejected, validate_row

TODAY = date(2026, 11, 20)
FIRST_LINE = 2  # line 1 is the header
SLOTS = [f.name for f in fields(ParsedSignal)]

# -- values -----------------------------------------------------------------------------------
# Each column's values in the usual notations: a row of these is clean.
VALID: dict[str, list[str]] = {
    "id": ["H-1", "E-20431", "signaal 7"],
    "signaalpartner": ["Huur", "Energie", "Water", "Zorg", "huur", "CAK Zorgverzekeringen"],
    "signaalpartner_naam": ["", "Woonstichting Voorbeeld", "Stroom Voorbeeld BV"],
    "bedrag": ["450", "450,00", "450.00", "1.234,56", "€ 1.234,56", "1,234.56", "€450", "0,00"],
    "signaaldatum": ["2026-10-01", "01-10-2026", "01/10/2026", "01.10.2026", "2026-11-20"],
    "ontstaansdatum": ["", "2026-07-01", "01-07-2026"],
    "crisissignaal": ["", "ja", "nee", "j", "n", "true", "1", "0"],
    "warme_overdracht": ["", "ja", "nee", "yes", "no", "onwaar"],
    "eindeleveringsdatum": ["", "2026-12-31", "31-12-2026"],
    "bsn": ["", "111222333", "123456782"],
    "voorletters": ["", "J.", "A.B."],
    "voorvoegsel": ["", "van", "van der"],
    "achternaam": ["Proefhuis", "Yılmaz-Proef", "Bijna-Niks"],
    "geboortedatum": ["", "1980-05-17", "17-05-1980"],
    "straatnaam": ["", "Voorbeeldlaan"],
    "huisnummer": ["7", "12", "99999"],
    "huisnummertoevoeging": ["", "A", "a", "bis"],
    "postcode": ["1234AB", "1234 AB", "9999zz"],
    "plaatsnaam": ["", "Voorbeeldstad", "'s-Hertogenbosch"],
    "telefoonnummer": ["", "06 12345678", "0612345678", "+31612345678"],
    "email": ["", "jan@example.nl"],
    "taal": ["", "nl", "en", "tr"],
    "geslachtsaanduiding": ["", "Man", "Vrouw", "Onbekend"],
}
assert set(VALID) == set(COLUMNS)

# Characters around a value: Python's whitespace (str.strip removes it; Rust's idea of
# whitespace lacks \x1c-\x1f) and look-alikes that are not whitespace at all.
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x1c", "\x1f", "\x85", "\u00a0", "\u2028", "\u3000"]
NOT_SPACES = ["\u200b", "\ufeff", "\x00"]

AMOUNTS = [
    "450",
    "450,00",
    "1.234,56",
    "€ 1.234,56",
    "1,234.56",
    "12,5",
    "1.234",
    "1.23",
    "123,456",
    "1.234,567",
    "12.34.5",
    "-5",
    "+450",
    "−5",
    "EUR 450",
    "eur450",
    "1 234",
    "1'234",
    "€  450",
    "€\u00a0450",
    "١٢٣",
    "٤٥٠,٠٠",
    "0450",
    "00000000450",
    "999999",
    "9999999",
    "1.000.000",
    "1.000.000,00",
    "1.000.000,01",
    "1.000.001",
    "4500000000",
    "100.000.000.000.000.000",
    "92.233.720.368.547.758,99",
    "10.000.000.000.000.000.000",
    "1,000,000,000,000,000,000,000",
    "",
    "onbekend",
]
DATES = [
    "2026-02-30",
    "30-02-2026",
    "29-02-2024",
    "29-02-2025",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "01-01-0000",
    "0001-01-01",
    "9999-12-31",
    "2026-11-21",
    "2027-01-01",
    "1899-12-31",
    "1900-01-01",
    "2026-1-5",
    "20261001",
    "2026/10/01",
    "01-10-26",
    "01-10/2026",
    "2026-+1-05",
    "2026- 1-05",
    "١٠-١٠-٢٠٢٦",
    " 2026-10-01",
    "\t2026-10-01\t",
    "\x1c2026-10-01",
    "2026-10-01\x1c",
    "\u30002026-10-01",
    "",
]
PHONES = [
    "06 12345678",
    "+31612345678",
    "0031 6 1234 5678",
    "(06)-1234.5678",
    "06/12345678",
    "06\u00a012345678",
    "020 1234567",
    "+32 470 12 34 56",
    "0612",
    "0661234567",
    "06123456789",
    "٠٦١٢٣٤٥٦٧٨",
    "06١٢٣٤٥٦٧٨",
    "\t0612345678",
    "0612345678\t",
    "0612345678\n",
    "\u30000612345678",
    "06_12345678",
    "geen",
    " ",
    "",
]
BSNS = [
    "111222333",
    "123456782",
    "111222334",
    "123456789",
    "12345678",
    "11122233",
    "000000000",
    "000000012",
    "111.222.333",
    "111 222 333",
    "١١١٢٢٢٣٣٣",
    "1112223333",
    "11122233x",
    "",
]
EMAILS = [
    "jan@example.nl",
    "Jan.Jansen@Example.NL",
    "JAN@EXAMPLE.NL",
    "jan+post@sub.example.co.uk",
    "jan@exämple.nl",
    "jän@example.nl",
    "jan@example",
    "jan@@example.nl",
    "jan example@x.nl",
    "jan@example.n1",
    "jan@example.nl\u00a0",
    "\u3000jan@example.nl",
    "a" * 250 + "@x.nl",
    "a" * 240 + "@example.nl",
    "K@example.nl",
    "",
]
LANGUAGE_CODES = [
    "nl",
    "EN",
    "tr-TR",
    "nl_NL",
    "nl-",
    "nl--",
    "xx",
    "zz-ZZ",
    "nld",
    "n",
    "iw",
    "in",
    "ﬀ",
    "\u212aa",
    "İt",
    "nl-ü",
    "",
]
BOOLS = ["ja", "JA", "Ja", "nee", " ja", "ja ", "1", "0", "maybe", "", " ", "\u3000", "waar", "j"]
TEXTS = [
    "",
    "Naam",
    "x" * 200,
    "x" * 201,
    "\u00a0" + "x" * 200,
    "na\x00am",
    "\u00a0Naam\u00a0",
    "\u3000Naam\u3000",
    "\x1cNaam\x1c",
    "\u200bNaam",
    "  ",
    "\x1c",
]
ODD: dict[str, list[str]] = {
    "id": ["", " ", "\x1c", "x" * 200, "x" * 201, " H-1 ", "\u3000H-1", "H\x00-1"],
    "signaalpartner": [
        "HUUR",
        "huur ",
        "  Huur",
        "\u3000Huur",
        "\x1cHuur",
        "Hu ur",
        "Bakker",
        "Ｈuur",
        "cak zorgverzekeringen",
        "CAK  Zorgverzekeringen",
        "DUO",
        "duo",
        "",
    ],
    "signaalpartner_naam": TEXTS,
    "bedrag": AMOUNTS,
    "signaaldatum": DATES,
    "ontstaansdatum": DATES,
    "crisissignaal": BOOLS,
    "warme_overdracht": BOOLS,
    "eindeleveringsdatum": DATES,
    "bsn": BSNS,
    "voorletters": TEXTS,
    "voorvoegsel": TEXTS,
    "achternaam": TEXTS,
    "geboortedatum": DATES,
    "straatnaam": TEXTS,
    "huisnummer": ["7", "007", "0", "00000", "100000", "000007", "٣", "7a", "-7", " 7 ", "+7", ""],
    "huisnummertoevoeging": [
        "a",
        " -A ",
        "-a",
        "--a",
        "A B",
        "A  B",
        "\tA",
        "A\u00a0",
        "ß",
        "ǆ",
        "A" * 20,
        "A" * 21,
        "A" * 25,
        "-",
        " ",
    ],
    "postcode": [
        "1234AB",
        "1234 AB",
        "1234ab",
        "1234  AB",
        "0123AB",
        "1234",
        "12345",
        "1234-AB",
        "١٢٣٤AB",
        " 1234AB ",
        "\x1c1234 ab\x1c",
        "1234ÄB",
        "",
    ],
    "plaatsnaam": TEXTS,
    "telefoonnummer": PHONES,
    "email": EMAILS,
    "taal": LANGUAGE_CODES,
    "geslachtsaanduiding": ["Man", "vrouw", "ONBEKEND", "Leeg", "m", "X", " Man ", "Mаn", ""],
}
assert set(ODD) == set(COLUMNS)


def amount_text(euros: int, cents: int | None, group: str, prefix: str) -> str:
    """An amount as a partner might write it: `1.234,56`, `1,234.56`, `€ 1234`."""
    digits = str(euros)
    if group:
        head = len(digits) % 3 or 3
        digits = group.join(
            [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
        )
    mark = "." if group == "," else ","
    return prefix + digits + ("" if cents is None else f"{mark}{cents:02d}")


def date_text(day: date, style: str) -> str:
    """A date as `2026-10-01`, `01-10-2026`, `01/10/2026` or `01.10.2026`."""
    return day.strftime(style)


GENERATED: dict[str, st.SearchStrategy[str]] = {
    "bedrag": st.builds(
        amount_text,
        st.integers(0, 21).flatmap(lambda n: st.integers(10**n, 10 ** (n + 1) - 1)),  # n+1 digits
        st.none() | st.integers(0, 99),
        st.sampled_from(["", ".", ","]),
        st.sampled_from(["", "€ ", "€", "EUR "]),
    ),
    "bsn": st.from_regex(r"[0-9]{8,9}", fullmatch=True),
    "taal": st.sampled_from(LANGUAGES),
    "signaalpartner": st.sampled_from(sorted(PARTNERS.values())).map(str.upper),
    "geslachtsaanduiding": st.sampled_from(sorted(GENDERS)),
    "telefoonnummer": st.from_regex(r"(\+31|0031|0)6[0-9]{8}", fullmatch=True),
    "huisnummer": st.integers(0, 100_001).map(str),
}
for _column in ("signaaldatum", "ontstaansdatum", "eindeleveringsdatum", "geboortedatum"):
    GENERATED[_column] = st.builds(
        date_text,
        st.dates(date(1890, 1, 1), date(2030, 12, 31)),
        st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]),
    )


def wrapped(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value, sometimes with (non-)whitespace before and after it."""
    around = st.text(st.sampled_from(SPACES + NOT_SPACES), max_size=2)
    return st.one_of(value, st.builds(lambda a, v, b: a + v + b, around, value, around))


def odd(column: str) -> st.SearchStrategy[str]:
    """Anything a partner might send in a column, valid or not."""
    return wrapped(
        st.one_of(
            st.sampled_from(VALID[column]),
            st.sampled_from(ODD[column]),
            GENERATED.get(column, st.nothing()),
            st.text(max_size=8),
        )
    )


# Built once: building strategies anew for every row would cost more than the checks.
CLEAN = st.fixed_dictionaries({c: st.sampled_from(VALID[c]) for c in COLUMNS})
ANY = {c: odd(c) for c in COLUMNS}
A_COLUMN = st.sampled_from(COLUMNS)
A_FEW_COLUMNS = st.lists(A_COLUMN, min_size=1, max_size=3)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, str]:
    """A clean row with one column (sometimes a few) awkward; sometimes columns missing or a
    reader marker added. (One awkward value in an otherwise clean row is what tells.)"""
    row = draw(CLEAN)
    awkward = [draw(A_COLUMN)]
    if draw(st.integers(0, 3)) == 0:
        awkward += draw(A_FEW_COLUMNS)
    for column in awkward:
        row[column] = draw(ANY[column])
    if draw(st.integers(0, 9)) == 0:
        for column in draw(A_FEW_COLUMNS):
            row.pop(column, None)
    if draw(st.integers(0, 9)) == 0:
        marker = draw(st.sampled_from(MARKERS))
        if marker == "__error__" and draw(st.booleans()):
            row = {}  # an unreadable line carries nothing else
        row[marker] = "regel heeft 22 van de 23 velden"
    return row


# -- checking ---------------------------------------------------------------------------------
def described(row: dict[str, str]) -> str:
    """The row's values that differ from a plain clean row, for a readable failure."""
    return repr({k: v for k, v in row.items() if v != VALID.get(k, [None])[0]})


def assert_agrees(chunk: list[Row]) -> int:
    """Every row `split_clean` accepts is accepted by the validator, unwarned and equal; the
    accepted and the other rows are the chunk, each once. Returns how many it accepted."""
    positions = {line: at for at, (line, _) in enumerate(chunk)}
    assert len(positions) == len(chunk), "lines must be unique in a test chunk"
    clean, others = split_clean(rows_frame(chunk), TODAY)
    accepted = [positions[line] for line in clean["line"].to_list()]
    assert sorted(accepted + others) == list(range(len(chunk))), (accepted, others)
    assert clean.columns == [*SLOTS, "warned"]
    for fast in clean.to_dicts():
        line = fast.pop("line")
        row = chunk[positions[line]][1]
        assert fast.pop("warned") is False
        assert not set(MARKERS) & set(row), f"row with a reader marker accepted: {row!r}"
        warnings: list[tuple[int, str, str]] = []
        try:
            slow = validate_row(row, line, TODAY, warnings)
        except Rejected as exc:
            pytest.fail(
                f"accepted a row the validator rejects ({exc.field}: {exc.message}): "
                f"{described(row)}"
            )
        assert warnings == [], f"accepted a row the validator warns about: {described(row)}"
        expected = {name: getattr(slow, name) for name in SLOTS if name != "line"}
        assert fast == expected, f"different values for {described(row)}"
        types = {name: type(value) for name, value in fast.items()}
        assert types == {name: type(value) for name, value in expected.items()}
    return len(accepted)


def chunk_of(rows: list[dict[str, str]]) -> list[Row]:
    return [(FIRST_LINE + n, row) for n, row in enumerate(rows)]


def clean_with(**values: str) -> dict[str, str]:
    """A clean row with some values replaced."""
    return {c: VALID[c][0] for c in COLUMNS} | values


# Chunks of 1 to 16 rows (a size drawn first: lists would mostly be short).
ROWS = rows()
CHUNKS = st.integers(1, 16).flatmap(lambda n: st.lists(ROWS, min_size=n, max_size=n)).map(chunk_of)


@pytest.mark.slow
@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(chunk=CHUNKS)
@example(chunk=chunk_of([clean_with(bedrag="100.000.000.000.000.000")]))  # wraps past 2**63
@example(chunk=chunk_of([clean_with(bedrag="10.000.000.000.000.000.000")]))  # over 2**63
def test_fast_path_takes_only_rows_the_validator_takes_unchanged(chunk: list[Row]) -> None:
    """However a partner writes a value, a row gets the same outcome (stored value, warning
    or rejection) whether the fast path or the row validator looked at it."""
    assert_agrees(chunk)


def test_each_awkward_value_in_an_otherwise_clean_row() -> None:
    """Every awkward value of every column, alone in a clean row, with and without spaces
    around it: the fast path agrees with the validator on each (and still takes plain rows)."""
    candidates = [clean_with()]
    for column in COLUMNS:
        for value in [*VALID[column], *ODD[column]]:
            for space in ("", " ", "\t", "\x1c", "\u3000"):
                candidates.append(clean_with(**{column: space + value + space}))
        candidates.append({k: v for k, v in clean_with().items() if k != column})
    for marker in MARKERS:
        candidates.append(clean_with(**{marker: "regel heeft 22 van de 23 velden"}))
    for name in PARTNERS.values():
        candidates += [clean_with(signaalpartner=v) for v in (name, name.upper(), name.lower())]
    for name in GENDERS.values():
        candidates += [clean_with(geslachtsaanduiding=v) for v in (name, name.upper())]
    for code in LANGUAGES:
        candidates += [clean_with(taal=v) for v in (code, code.upper(), f"{code}-{code.upper()}")]
    # One large chunk (as the intake sends it) and one row a chunk: neither may matter.
    accepted = assert_agrees(chunk_of(candidates))
    assert accepted > len(candidates) // 4
    for row in candidates[:: max(1, len(candidates) // 60)]:
        assert_agrees(chunk_of([row]))


def test_fast_path_takes_nearly_all_clean_rows_of_a_realistic_file(tmp_path: Path) -> None:
    """On a file like a partner's, at least 90 % of the rows the validator takes without a
    warning go through the fast path (else a big file is no faster), all with equal values."""
    path = tmp_path / "signals.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        generate(3000, out, today=TODAY)
    chunk = list(open_rows(path, None, []))
    assert len(chunk) == 3000
    positions = {line: at for at, (line, _) in enumerate(chunk)}
    unwarned = set()
    for at, (line, row) in enumerate(chunk):
        warnings: list[tuple[int, str, str]] = []
        try:
            validate_row(row, line, TODAY, warnings)
        except Rejected:
            continue
        if not warnings:
            unwarned.add(at)
    assert len(unwarned) > 2500  # the generator's rows are mostly clean
    clean, others = split_clean(rows_frame(chunk), TODAY)
    taken = {positions[line] for line in clean["line"].to_list()}
    assert taken <= unwarned
    assert len(taken) >= 0.9 * len(unwarned), f"{len(taken)} of {len(unwarned)}"
    assert sorted(taken | set(others)) == list(range(len(chunk)))
    # And the values, in chunks like the intake's.
    for start in range(0, len(chunk), 1000):
        assert_agrees(chunk[start : start + 1000])


def test_whitespace_is_everything_python_strips() -> None:
    """The fast path strips exactly what the validator's str.strip() strips, at any code
    point (the module looks only below U+3001)."""
    everything = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(WHITESPACE) == everything
    assert len(WHITESPACE) == len(everything)
    assert all(("x" + c).strip() == "x" for c in WHITESPACE)
