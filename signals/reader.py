"""Rows out of partners' files, CSV (comma or semicolon, BOM or not) or DDAS JSON, one at a
time as `(line, {column: text})`, so memory stays flat however large the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

import ijson

from signals.validate import COLUMNS, missing_columns

Row = tuple[int, dict[str, str]]
FileWarning = tuple[int, str, str]

# Column aliases partners use besides the contract's names.
ALIASES = {
    "telefoon": "telefoonnummer",
    "toevoeging": "huisnummertoevoeging",
    "warmeoverdracht": "warme_overdracht",
    "burgerservicenummer": "bsn",
    "e-mail": "email",
    "signaalpartner_type": "signaalpartner",
}
SNIFF_BYTES = 64 * 1024


class Unreadable(ValueError):
    """The file as a whole cannot be read (CONTRACT §3: exit code 2)."""


def detect_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".json":
        return "json"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if stripped[:1] in (b"{", b"[") else "csv"


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError as exc:
        raise Unreadable(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise Unreadable(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise Unreadable(f"{path}: cannot read: {exc.strerror}") from exc
    if not head.strip():
        raise Unreadable(f"{path}: the file is empty")
    if b"\x00" in head:
        raise Unreadable(f"{path}: not a text file (binary content)")
    try:
        # A multi-byte character may be cut at the end of the sample; ignore only that.
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            raise Unreadable(f"{path}: not UTF-8 text (byte {exc.start + 1})") from exc
    return head


def canonical(name: str) -> str:
    key = name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")
    return ALIASES.get(key, key)


def has_bad_text(values: list[str]) -> bool:
    """True when a value holds bytes that were not UTF-8 (kept as surrogate escapes)."""
    joined = "".join(values)  # one check per row: most rows are plain ASCII
    if joined.isascii():
        return False
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class CsvHeader:
    delimiter: str
    width: int  # fields in the header
    kept: tuple[str, ...]  # the known columns, in the file's order
    index: tuple[int, ...]  # and where they stand

    @cached_property
    def _pick(self) -> Callable[[list[str]], tuple[str, ...]]:
        """A full row picked apart in C, made once per file; REQUIRED's several columns make
        the getter return a tuple."""
        return itemgetter(*self.index)

    @property
    def places(self) -> dict[str, int]:
        """Each known column's place (of a column named twice, the last)."""
        return dict(zip(self.kept, self.index, strict=True))

    def row(self, values: list[str]) -> dict[str, str] | None:
        """One parsed line as a row, with a note when it is short or long; None when blank."""
        if not values or (len(values) == 1 and not values[0].strip()):
            return None
        if has_bad_text(values):
            return {"__error__": "regel bevat tekens die geen UTF-8 zijn"}
        if len(values) == self.width:
            return dict(zip(self.kept, self._pick(values), strict=True))
        n = len(values)
        row = {name: values[i] for name, i in zip(self.kept, self.index, strict=True) if i < n}
        if n < self.width:
            row["__short__"] = f"regel heeft {n} van de {self.width} velden"
        else:
            row["__long__"] = f"regel heeft {n} velden, de kop {self.width}; extra genegeerd"
        return row


def csv_header(header_line: str, warnings: list[FileWarning]) -> CsvHeader:
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    names = [canonical(n) for n in header]
    missing = missing_columns(names)
    if missing:
        raise Unreadable(f"required column(s) missing: {', '.join(missing)}")
    known = set(COLUMNS)
    for name in names:
        if name and name not in known:
            warnings.append((1, name, f"onbekende kolom {name!r} genegeerd"))
    index = [(name, i) for i, name in enumerate(names) if name in known]
    return CsvHeader(delimiter, len(names), tuple(n for n, _ in index), tuple(i for _, i in index))


UNCLOSED = 'onleesbare regel: een aanhalingsteken (") wordt niet gesloten'


def read_csv(handle: IO[str], warnings: list[FileWarning]) -> Iterator[Row]:
    header = csv_header(handle.readline(), warnings)
    taken: list[str] = []  # the physical lines of the row being read

    def lines() -> Iterator[str]:
        for text in handle:
            taken.append(text)
            yield text

    reader = csv.reader(lines(), delimiter=header.delimiter)
    while True:
        start = reader.line_num + 2  # the header was read outside the reader
        taken.clear()
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if len(taken) > 1:  # e.g. a field over the size limit: an open quote ran on
                yield from _one_by_one(list(taken), start, header)
            else:
                yield start, {"__error__": f"onleesbare regel: {exc}"}
            continue
        if len(taken) > 1 and _ran_on(taken, header.delimiter):
            # Each of the lines is read again on its own, so only the broken one is lost.
            yield from _one_by_one(list(taken), start, header)
            continue
        row = header.row(values)
        if row is not None:
            yield start, row


def _ran_on(texts: list[str], delimiter: str) -> bool:
    """True when a row read over several lines is a quote never closed rather than a field
    with a line break: its first line leaves a quote open, and its last line does not close
    one (an even number of quotes) but met the next quote of the file — in a file that
    quotes a column in every row, the same column one line further down."""
    try:
        next(csv.reader([texts[0]], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return texts[-1].count('"') % 2 == 0
    return False


def _one_by_one(texts: list[str], start: int, header: CsvHeader) -> Iterator[Row]:
    for number, text in enumerate(texts, start=start):
        try:
            values = next(csv.reader([text], delimiter=header.delimiter, strict=True), [])
        except csv.Error:
            yield number, {"__error__": UNCLOSED}
            continue
        row = header.row(values)
        if row is not None:
            yield number, row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _either(client: dict[str, Any], name: str) -> Any:
    """A client field as DDAS v1.2 spells it (lower case), else as v0.9 did (capitalised)."""
    value = client.get(name)
    return client.get(name[0].upper() + name[1:]) if value is None else value


# What `ddas_to_row` reads, and the signal's `status` (the municipality's own): any other key
# is warned about, once per file, so that a misspelt one (`telefoon`) is not dropped unseen.
_CLIENT = (
    "burgerservicenummer", "voorletters", "voorvoegsel", "achternaam", "geboortedatum",
    "straatnaam", "huisnummer", "huisnummertoevoeging", "postcode", "plaatsnaam",
    "geslachtsaanduiding",
)  # fmt: skip
_CONTACT = ("telefoonnummer", "email", "taal")
_CLIENT_COLUMNS = tuple((ALIASES.get(name, name), name) for name in _CLIENT)  # bsn
_KNOWN = {
    "": {
        "ID", "id", "signaalpartner", "bedrag", "signaaldatum", "ontstaansdatum",
        "crisissignaal", "warmeOverdracht", "eindeleveringsdatum", "client", "contact", "status",
    },
    "client": {spelling for name in _CLIENT for spelling in (name, name[0].upper() + name[1:])},
    "contact": set(_CONTACT),
    "signaalpartner": {"type", "naam"},
}  # fmt: skip


def unknown_keys(item: Any) -> Iterator[str]:
    """The keys of a `vroegsignaal` that nothing reads, as `client.telefoon`."""
    if not isinstance(item, dict):
        return
    for part, known in _KNOWN.items():
        values = item.get(part) if part else item
        if isinstance(values, dict):
            yield from (f"{part}.{key}" if part else key for key in values if key not in known)


def ddas_to_row(item: Any) -> dict[str, str]:
    """A DDAS `vroegsignaal` object (plus `contact`, `eindeleveringsdatum`) → row columns.
    v0.9 and v1.2 differ here only in the client's fields, read in either spelling by each
    signal (also in a list of loose `vroegsignaal` objects)."""
    if not isinstance(item, dict):
        return {"__error__": "vroegsignaal is geen object"}
    client: dict[str, Any] = item["client"] if isinstance(item.get("client"), dict) else {}
    partner = item.get("signaalpartner")
    contact: dict[str, Any] = item["contact"] if isinstance(item.get("contact"), dict) else {}
    if isinstance(partner, dict):
        partner_type, partner_name = partner.get("type"), partner.get("naam")
    else:
        partner_type, partner_name = partner, None
    row = {
        "id": item.get("ID", item.get("id")),
        "signaalpartner": partner_type,
        "signaalpartner_naam": partner_name,
        "bedrag": item.get("bedrag"),
        "signaaldatum": item.get("signaaldatum"),
        "ontstaansdatum": item.get("ontstaansdatum"),
        "crisissignaal": item.get("crisissignaal"),
        "warme_overdracht": item.get("warmeOverdracht"),
        "eindeleveringsdatum": item.get("eindeleveringsdatum"),
        **{column: _either(client, name) for column, name in _CLIENT_COLUMNS},
        **{name: contact.get(name) for name in _CONTACT},
    }
    return {k: _text(v) for k, v in row.items() if v is not None}


def read_json(handle: IO[bytes], head: bytes, warnings: list[FileWarning]) -> Iterator[Row]:
    """Signals are numbered from 1 in file order; that number is their "line"."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    prefix = "item" if first == b"[" else "leveringen.item.vroegsignalen.item"
    noted: set[str] = set()
    try:
        for number, item in enumerate(ijson.items(handle, prefix), start=1):
            for key in unknown_keys(item):
                if key not in noted:
                    noted.add(key)
                    warnings.append((number, key, f"onbekend veld {key!r} genegeerd"))
            yield number, ddas_to_row(item)
    except ijson.JSONError as exc:
        # Only the parser's first line: the next ones quote the file (a resident's name or
        # BSN, as likely as not).
        reason = next(iter(str(exc).strip().splitlines()), type(exc).__name__)
        raise Unreadable(f"not valid JSON: {reason}") from exc


def open_rows(
    path: Path, fmt: str | None, warnings: list[FileWarning]
) -> Generator[Row, None, None]:
    head = read_head(path)
    fmt = fmt or detect_format(path, head)
    if fmt == "json":
        with path.open("rb") as raw:
            if head.startswith(b"\xef\xbb\xbf"):
                raw.read(3)
            yield from read_json(raw, head, warnings)
        return
    if fmt != "csv":
        raise Unreadable(f"unknown format {fmt!r}: use csv or json")
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        yield from read_csv(text, warnings)
