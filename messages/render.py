"""Turning a key and a resident's language into the text that is sent.

    render("sms.first_contact", "tr", gemeente="Utrecht", telefoon="14 030")
    render("sms.after_missed_call", "pl", n=3, gemeente="Utrecht", telefoon="14 030")

Callers may pass more values than a text needs (e.g. the whole municipality config); a value
the text needs but is missing raises MessageError. Dates (`datetime.date`) are written out by
Babel and parts of the day ("ochtend", "middag", "avond") are translated, both in the language
the text is actually sent in. In right-to-left languages every value is wrapped in Unicode
isolates so that a phone number or a Latin name keeps its order inside Arabic text.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date as babel_format_date

from messages import catalog
from messages.keys import DAYPARTS, KEYS_BY_NAME, PLACEHOLDERS, Key
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
    spec = _key(key)
    requested = catalog.normalise_locale(locale)
    count_value = values.get("n")
    if spec.plural and (not isinstance(count_value, int) or isinstance(count_value, bool)):
        raise MessageError(f"{key} needs a whole number for {{n}}, not {count_value!r}")
    for candidate in catalog.chain(requested):
        found = catalog.lookup(key, candidate, locales_dir=locales_dir, draft=draft)
        if found is None:
            continue
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
            continue
        count = count_segments(text)
        return Rendered(key, text, candidate, requested, count.encoding, count.segments, len(text))
    raise MessageError(f"no reviewed text for {key} in {requested} or its fallbacks")


def render(key: str, locale: str | None = None, /, **values: object) -> str:
    """The text for `key` in the resident's language, or its reviewed fallback."""
    return _render(key, locale, values, locales_dir=None, draft=False).text
