"""Nearly every row of a file is clean (usual notations, nothing to warn about): those are
validated here column by column, one polars expression per column over the whole chunk,
instead of row by row in the interpreter.

The row validator (`signals.validate.validate_row`) stays the one authority on the checks
and on the words of every rejection and warning: every other row is left to it. So these
expressions only have to be *conservative*: a row they accept must be one it accepts
without a warning, with the same values (`tests/signals/test_columnar.py` checks that).
"""

from __future__ import annotations

from datetime import date
from operator import attrgetter
from typing import Any

import polars as pl
from babel.localedata import locale_identifiers

from signals.normalize import BOOLS, MAX_AMOUNT_CENTS
from signals.reader import Row
from signals.validate import COLUMNS, GENDERS, MAX_TEXT, PARTNERS, ParsedSignal

# What Python's str.strip() removes (Rust's idea of whitespace lacks \x1c-\x1f); none lies
# above U+3000, which the tests check.
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
MARKERS = ("__error__", "__short__", "__long__")  # the reader's notes on a broken row
# Two-letter codes babel knows as a locale of their own (others go to the row validator).
LANGUAGES = sorted(code for code in locale_identifiers() if len(code) == 2)
TEXTS = (
    "signaalpartner_naam",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "straatnaam",
    "plaatsnaam",
)
_AMOUNT = r"^([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,7})(?:[.,]([0-9]{2}))?$"
_DMY = r"^[0-9]{2}(?:-[0-9]{2}-|/[0-9]{2}/|\.[0-9]{2}\.)[0-9]{4}$"
_YMD = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Columns compared as sent, not stripped first (as the row validator does).
RAW = ("telefoonnummer", "huisnummertoevoeging", "crisissignaal", "warme_overdracht")
SCHEMA = dict.fromkeys((*COLUMNS, *MARKERS), pl.String)
# A `ParsedSignal` as a row of a frame.
DATES = ("signal_date", "origin_date", "contract_end_date", "birth_date")
SIGNAL_SCHEMA: dict[str, Any] = {
    name: pl.Int64 if name in ("line", "amount_cents")
    else pl.Date if name in DATES
    else pl.Boolean if name in ("crisis", "warm_handover")
    else pl.String
    for name in ParsedSignal.__slots__
}  # fmt: skip
FIELDS = {name: dtype for name, dtype in SIGNAL_SCHEMA.items() if name != "line"}
_FIELDS = attrgetter(*ParsedSignal.__slots__)


def as_frame(signals: list[ParsedSignal], warned: set[int]) -> pl.DataFrame:
    """Signals the row validator accepted, as rows of a frame like `split_clean`'s."""
    frame = pl.DataFrame([_FIELDS(s) for s in signals], schema=SIGNAL_SCHEMA, orient="row")
    return frame.with_columns(pl.col("line").is_in(list(warned)).alias("warned"))


def rows_frame(chunk: list[Row]) -> pl.DataFrame:
    """Rows as `SCHEMA` columns (null where a row lacks one) and their `line`."""
    return pl.from_dicts([row for _, row in chunk], schema=SCHEMA).with_columns(
        pl.Series("line", [line for line, _ in chunk], dtype=pl.Int64)
    )


def plain_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """The partner type + id, as the row validator would read them, of the rows (as
    `rows_frame`) whose key is plain to see, with their `line`: to look them up before they
    are validated. A row the reader could not read has none; a short or long one has."""
    partner_type = _mapped(pl.col("signaalpartner").str.strip_chars(WHITESPACE), PARTNERS)
    signal_id = pl.col("id").str.strip_chars(WHITESPACE)
    return rows.filter(
        pl.col("__error__").is_null(),
        partner_type.is_not_null(),
        signal_id.str.len_chars().is_between(1, MAX_TEXT),
        ~pl.col("signaalpartner").str.contains("\x00", literal=True),
        ~signal_id.str.contains("\x00", literal=True),
    ).select("line", partner_type.alias("partner_type"), signal_id.alias("partner_signal_id"))


def split_clean(rows: pl.DataFrame, today: date) -> tuple[pl.DataFrame, list[int]]:
    """The clean ones of `rows` (as `rows_frame`) as a frame of `ParsedSignal` fields, and
    the positions of the others."""
    frame = rows.with_columns(
        pl.any_horizontal(pl.col(MARKERS).is_not_null()).alias("marked"),
        pl.col(COLUMNS).fill_null(""),  # a column a row lacks (DDAS JSON leaves them out)
    )
    frame = frame.with_columns(
        pl.any_horizontal(pl.col(COLUMNS).str.contains("\x00", literal=True)).alias("nul")
    )
    stripped = frame.with_columns(
        pl.col(c).str.strip_chars(WHITESPACE) for c in COLUMNS if c not in RAW
    )
    # The fields first, then the checks on them: polars does not share a sub-expression
    # between the two (both at once took twice the time).
    ok = pl.all_horizontal(_checks(today)).fill_null(False).alias("ok")
    checked = stripped.with_columns(_fields()).select(pl.col("line"), pl.col("^_.*$"), ok)
    clean = checked.filter(pl.col("ok")).select(
        pl.col("line"),
        *(pl.col(f"_{name}").cast(dtype).alias(name) for name, dtype in FIELDS.items()),
        pl.lit(False).alias("warned"),
    )
    others = checked.select(pl.arg_where(~pl.col("ok"))).to_series().to_list()
    return clean, others


def _text(name: str) -> pl.Expr:
    """An optional text, None when blank."""
    return pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name))


def _date(name: str) -> pl.Expr:
    """`YYYY-MM-DD` or `DD-MM-YYYY` (also `/`, `.`) → a date; null for anything else."""
    value = pl.col(name)
    day_first = pl.concat_str(
        value.str.slice(6, 4),
        pl.lit("-"),
        value.str.slice(3, 2),
        pl.lit("-"),
        value.str.slice(0, 2),
    )
    iso = pl.when(value.str.contains(_YMD)).then(value).when(value.str.contains(_DMY))
    parsed = iso.then(day_first).str.to_date("%Y-%m-%d", strict=False)
    return pl.when(parsed.dt.year() >= 1).then(parsed)


def _amount() -> pl.Expr:
    """Cents, for the usual notations of up to 7 digits of euros (more is over the maximum:
    the row validator's, which says so)."""
    parts = pl.col("bedrag").str.replace(r"^€ ?", "").str.extract_groups(_AMOUNT)
    digits = parts.struct[0].str.replace_all(r"[.,]", "")
    euros = pl.when(digits.str.len_bytes() <= 7).then(digits.cast(pl.Int64))
    return euros * 100 + parts.struct[1].cast(pl.Int64).fill_null(0)


def _bsn_ok() -> pl.Expr:
    """A BSN beside an address, when sent: 9 ASCII digits passing the elfproef."""
    value = pl.col("bsn")
    digit = [value.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)]
    weighted = pl.sum_horizontal([d * w for d, w in zip(digit[:8], range(9, 1, -1), strict=True)])
    elfproef = ((weighted - digit[8]) % 11 == 0) & (value != "000000000")
    return (value == "") | (value.str.contains(r"^[0-9]{9}$") & elfproef).fill_null(False)


def _phone() -> pl.Expr:
    """A Dutch mobile number in any of its usual notations (others go to phonenumbers)."""
    compact = pl.col("telefoonnummer").str.replace_all("[ \\-.()\u00a0/]", "")
    mobile = compact.str.extract(r"^(?:\+31|0031|0)6([1-5][0-9]{7})$", 1)
    return pl.concat_str(pl.lit("+316"), mobile)


def _email() -> pl.Expr:
    value = pl.col("email")
    plain = value.str.contains(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
    return pl.when(plain & (value.str.len_chars() <= 254)).then(value.str.to_lowercase())


def _language() -> pl.Expr:
    code = pl.col("taal").str.to_lowercase().str.extract(r"^([a-z]{2})(?:[-_][a-z0-9\-_]*)?$", 1)
    return pl.when(code.is_in(LANGUAGES)).then(code)


def _mapped(name: str | pl.Expr, table: dict[str, str]) -> pl.Expr:
    """A value looked up case-insensitively (ASCII only: Python and Rust lower-case other
    letters in different ways)."""
    value = pl.col(name) if isinstance(name, str) else name
    found = value.str.to_lowercase().replace_strict(table, default=None, return_dtype=pl.String)
    return pl.when(value.str.contains(r"^[\x20-\x7e]*$")).then(found)


def _flag(name: str) -> pl.Expr:
    """ja/nee as partners write them, compared as sent (as `parse_bool`'s own fast path)."""
    return pl.col(name).replace_strict(BOOLS, default=None, return_dtype=pl.Boolean)


def _fields() -> list[pl.Expr]:
    """The `ParsedSignal` fields of a row in its common shape (null where it is not), each
    named with a leading `_`."""
    postcode = pl.col("postcode").str.extract(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})$", 0)
    huisnummer = pl.col("huisnummer").str.extract(r"^([0-9]{1,5})$", 1).cast(pl.Int64)
    toevoeging = pl.col("huisnummertoevoeging").str.extract(r"^ *([A-Za-z0-9]{0,20}) *$", 1)
    fields = {
        "partner_type": _mapped("signaalpartner", PARTNERS),
        "partner_signal_id": _text("id"),
        "partner_name": _text("signaalpartner_naam"),
        "amount_cents": _amount(),
        "signal_date": _date("signaaldatum"),
        "origin_date": _date("ontstaansdatum"),
        "crisis": _flag("crisissignaal"),
        "warm_handover": _flag("warme_overdracht"),
        "contract_end_date": _date("eindeleveringsdatum"),
        "bsn": _text("bsn"),
        "initials": _text("voorletters"),
        "prefix": _text("voorvoegsel"),
        "surname": _text("achternaam"),
        "birth_date": _date("geboortedatum"),
        "street": _text("straatnaam"),
        "huisnummer": pl.when(huisnummer > 0).then(huisnummer.cast(pl.String)),
        "toevoeging": toevoeging.str.to_uppercase(),
        "postcode": postcode.str.replace(" ", "").str.to_uppercase(),
        "city": _text("plaatsnaam"),
        "phone": _phone(),
        "email": _email(),
        "language": _language(),
        "gender": _mapped("geslachtsaanduiding", GENDERS),
    }
    assert tuple(fields) == tuple(FIELDS)
    return [value.alias(f"_{name}") for name, value in fields.items()]


def _checks(today: date) -> list[pl.Expr]:
    """What a row must pass to be taken as it is, on its raw columns and `_fields`."""

    def field(name: str) -> pl.Expr:
        return pl.col(f"_{name}")

    def sent(column: str, name: str) -> pl.Expr:
        """An optional value is fine when blank, or when it was understood."""
        return (pl.col(column) == "") | field(name).is_not_null()

    origin, birth, signal_date = field("origin_date"), field("birth_date"), field("signal_date")
    return [
        ~pl.col("marked") & ~pl.col("nul"),
        (pl.col("id") != "") & (pl.col("id").str.len_chars() <= MAX_TEXT),
        field("partner_type").is_not_null(),
        field("amount_cents") <= MAX_AMOUNT_CENTS,
        signal_date <= today,
        # No name and no address (only a BSN) are warned about: the row validator's.
        pl.col("achternaam") != "",
        pl.all_horizontal(pl.col(TEXTS).str.len_chars() <= MAX_TEXT),
        sent("ontstaansdatum", "origin_date") & ((origin <= signal_date) | origin.is_null()),
        sent("geboortedatum", "birth_date")
        & (birth.is_between(date(1900, 1, 1), today) | birth.is_null()),
        sent("eindeleveringsdatum", "contract_end_date"),
        field("crisis").is_not_null() & field("warm_handover").is_not_null(),
        _bsn_ok(),
        (pl.col("telefoonnummer").str.strip_chars(WHITESPACE) == "") | field("phone").is_not_null(),
        sent("email", "email") & sent("taal", "language") & sent("geslachtsaanduiding", "gender"),
        field("postcode").is_not_null() & field("huisnummer").is_not_null(),
        field("toevoeging").is_not_null(),
    ]
