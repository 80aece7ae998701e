"""What a letter or card holds, as the PDF renderer (bot/printer/pdf.py) takes it: plain data,
so that building them needs no typesetting library loaded (WeasyPrint takes ~0.6 s to import,
paid only by whoever renders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Sender:
    """The municipality, from its configuration."""

    name: str  # "Gemeente Voorbeeldstad"
    return_address: tuple[str, ...]  # ("Postbus 123", "1234 AB Voorbeeldstad")
    phone: str  # the public phone number
    email: str = ""
    website: str = ""
    logo: Path | None = None  # a PNG or SVG file


@dataclass(frozen=True)
class LetterPart:
    """One language version of a text."""

    locale: str  # "nl", "en", "tr", "ar", "pl", "uk"
    subject: str
    paragraphs: tuple[str, ...]
    closing: str  # "Met vriendelijke groet,\n\nJ. Jansen\nSchuldhulpverlening"


@dataclass(frozen=True)
class Letter:
    reference: str  # the case number, printed as "Kenmerk" on every page
    date: date  # printed in Dutch: "4 december 2026"
    recipient: tuple[str, ...]  # the name line, then the address lines (in the window)
    parts: tuple[LetterPart, ...]  # Dutch first, then the resident's language (if any)


@dataclass(frozen=True)
class Card:
    """A home-visit card: a short text asking to call; each part's subject is its heading."""

    reference: str
    parts: tuple[LetterPart, ...]
    caseworker: str = ""  # first name
    direct_phone: str = ""
