"""Turning a key and a resident's language into the text that is sent.

    render("sms.first_contact", "tr", gemeente="Utrecht", telefoon="14 030")
    render("sms.after_missed_call", "pl", n=3, gemeente="Utrecht", telefoon="14 030")

Letters and cards are put together from several keys, all in one language:

    render_letter("letter.first_contact", "tr", naam="J. de Vries", medewerker="Sanne Bakker",
                  gemeente="Utrecht", telefoon="14 030", sms_note=True)

Callers may pass more values than a text needs (e.g. the whole municipality config); a value
the text needs but is missing raises MessageError. Dates (`datetime.date`) are written out by
Babel and parts of the day ("ochtend", "middag", "avond") are translated, both in the language
the text is actually sent in. In right-to-left languages every value is wrapped in Unicode
isolates so that a phone number or a Latin name keeps its order inside Arabic text.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date as babel_format_date

from messages import catalog
from messages.keys import DAYPARTS, DOCUMENTS_BY_NAME, KEYS_BY_NAME, PLACEHOLDERS, Key
from messages.segments import Encoding, count_segments

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


class MessageError(ValueError):
    """A text cannot be rendered: unknown key, missing or wrong value, no usable text."""


@dataclass(frozen=True)
class Rendered:
    key: str
    text: str
    locale: str  # the language actually used
    requested_locale: str
    encoding: Encoding
    segments: int
    characters: int

    @property
    def fallback(self) -> bool:
        return self.locale != self.requested_locale


@dataclass(frozen=True)
class RenderedLetter:
    """A letter or card as the PDF renderer takes it, every part in the same language."""

    name: str  # the document, e.g. letter.first_contact
    subject: str  # a card's heading
    paragraphs: tuple[str, ...]  # salutation, the body's paragraphs, the SMS note when asked
    closing: str  # lines separated by "\n"; "" for the card (its contact block is printed)
    locale: str  # the language actually used
    requested_locale: str

    @property
    def fallback(self) -> bool:
        return self.locale != self.requested_locale


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> tuple[str, ...]:
    """A letter body's paragraphs: separated by an empty line, stripped, none empty."""
    return tuple(part.strip() for part in _PARAGRAPH_BREAK.split(text) if part.strip())


# Residents live in the Netherlands: English dates the European way (16 September 2026).
DATE_LOCALES = {"en": "en_NL"}


def format_date(day: dt.date, locale: str) -> str:
    """A date written out in full in the resident's language: 'maandag 3 maart 2025'."""
    if isinstance(day, dt.datetime):
        day = day.date()
    language = catalog.normalise_locale(locale)
    return babel_format_date(day, "full", locale=DATE_LOCALES.get(language, language))


def field_names(template: str) -> list[str]:
    """The placeholder names in a text, in order (raises ValueError on broken braces)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _key(key: str) -> Key:
    found = KEYS_BY_NAME.get(key)
    if found is None:
        raise MessageError(f"unknown message key {key!r}")
    return found


def _daypart_word(
    code: object, locale: str, *, locales_dir: Path | None, draft: bool
) -> str | None:
    if not isinstance(code, str) or code.lower() not in DAYPARTS:
        raise MessageError(f"{{dagdeel}} must be one of {', '.join(DAYPARTS)}, not {code!r}")
    found = catalog.lookup(
        f"word.dagdeel.{code.lower()}", locale, locales_dir=locales_dir, draft=draft
    )
    if found is None or not isinstance(found[0], str):
        return None
    return found[0]


def _convert(
    name: str, value: object, locale: str, *, locales_dir: Path | None = None, draft: bool = False
) -> str | None:
    """A value as it appears in the text; None when this language lacks a needed word."""
    spec = PLACEHOLDERS.get(name)
    kind = spec.kind if spec else "text"
    if kind == "date":
        if not isinstance(value, dt.date):
            raise MessageError(f"{{{name}}} needs a date, not {value!r}")
        shown = format_date(value, locale)
    elif kind == "daypart":
        word = _daypart_word(value, locale, locales_dir=locales_dir, draft=draft)
        if word is None:
            return None
        shown = word
    elif kind == "count":
        if not isinstance(value, int) or isinstance(value, bool):
            raise MessageError(f"{{{name}}} needs a whole number, not {value!r}")
        shown = str(value)
    else:
        shown = str(value)
    if catalog.is_rtl(locale) and kind != "count":
        shown = (LRI if kind == "ltr" else FSI) + shown + PDI
    return shown


def fill(
    template: catalog.Text,
    locale: str,
    values: Mapping[str, object],
    *,
    key: str = "",
    plural_index: int | None = None,
    locales_dir: Path | None = None,
    draft: bool = False,
) -> str | None:
    """Fill one catalogue text; None when a translated word it needs is missing in `locale`."""
    if isinstance(template, tuple):
        index = min(plural_index or 0, len(template) - 1)
        template = template[index]
    converted: dict[str, str] = {}
    for name in field_names(template):
        if name not in values:
            raise MessageError(f"{key or 'text'} needs a value for {{{name}}}")
        shown = _convert(name, values[name], locale, locales_dir=locales_dir, draft=draft)
        if shown is None:
            return None
        converted[name] = shown
    return template.format_map(converted)


def render_detail(
    key: str,
    locale: str | None = None,
    /,
    *,
    locales_dir: Path | None = None,
    draft: bool = False,
    **values: object,
) -> Rendered:
    """Like render(), also telling the language used, the encoding and the SMS parts.

    draft=True also uses texts that still need review (previews only; never send these).
    """
    return _render(key, locale, values, locales_dir=locales_dir, draft=draft)


def _render(
    key: str,
    locale: str | None,
    values: Mapping[str, object],
    *,
    locales_dir: Path | None,
    draft: bool,
) -> Rendered:
    requested = catalog.normalise_locale(locale)
    for candidate in catalog.chain(requested):
        rendered = _render_in(
            key, candidate, requested, values, locales_dir=locales_dir, draft=draft
        )
        if rendered is not None:
            return rendered
    raise MessageError(f"no reviewed text for {key} in {requested} or its fallbacks")


def _render_in(
    key: str,
    candidate: str,
    requested: str,
    values: Mapping[str, object],
    *,
    locales_dir: Path | None,
    draft: bool,
) -> Rendered | None:
    """`key` in exactly the language `candidate`; None when it has no usable text there."""
    spec = _key(key)
    count_value = values.get("n")
    if spec.plural and (not isinstance(count_value, int) or isinstance(count_value, bool)):
        raise MessageError(f"{key} needs a whole number for {{n}}, not {count_value!r}")
    found = catalog.lookup(key, candidate, locales_dir=locales_dir, draft=draft)
    if found is None:
        return None
    template, translation = found
    index = translation.plural_index(count_value) if isinstance(count_value, int) else None
    text = fill(
        template,
        candidate,
        values,
        key=key,
        plural_index=index,
        locales_dir=locales_dir,
        draft=draft,
    )
    if text is None:
        return None
    count = count_segments(text)
    return Rendered(key, text, candidate, requested, count.encoding, count.segments, len(text))


def render_letter(
    name: str,
    locale: str | None = None,
    /,
    *,
    sms_note: bool = False,
    locales_dir: Path | None = None,
    draft: bool = False,
    **values: object,
) -> RenderedLetter:
    """A letter or card (`name` as in keys.DOCUMENTS, e.g. letter.first_contact) in the first
    language of the resident's chain in which every part of it is reviewed: never a Dutch
    paragraph in a Turkish letter.

    The salutation uses {naam} when it is given and not empty, else "Beste bewoners,".
    sms_note=True adds letter.sms_note (the resident may also answer our SMS) after the body.
    Values: naam (optional), gemeente, telefoon, datum (letter.after_visit, card.visit) and
    medewerker (letters' closing); extra values are ignored.
    """
    document = DOCUMENTS_BY_NAME.get(name)
    if document is None:
        raise MessageError(f"unknown letter or card {name!r}")
    naam = values.get("naam")
    named = isinstance(naam, str) and bool(naam.strip())
    keys = document.keys(named=named, sms_note=sms_note)
    requested = catalog.normalise_locale(locale)
    for candidate in catalog.chain(requested):
        texts: dict[str, str] = {}
        for key in keys:
            rendered = _render_in(
                key, candidate, requested, values, locales_dir=locales_dir, draft=draft
            )
            if rendered is None:
                break
            texts[key] = rendered.text.strip()
        else:
            middle = [texts[key] for key in keys if key not in (document.subject, document.closing)]
            return RenderedLetter(
                name,
                texts[document.subject],
                tuple(p for text in middle for p in paragraphs(text)),
                texts[document.closing] if document.closing else "",
                candidate,
                requested,
            )
    raise MessageError(f"no reviewed text for all of {name} in {requested} or its fallbacks")


def render(key: str, locale: str | None = None, /, **values: object) -> str:
    """The text for `key` in the resident's language, or its reviewed fallback."""
    return _render(key, locale, values, locales_dir=None, draft=False).text
