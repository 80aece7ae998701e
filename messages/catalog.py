"""Loading the catalogues and choosing the language a text is sent in.

Each language's texts are read once and cached until its files change (checked by stat, so a
text published from the desk is used by every process without a restart): from the compiled
`.mo` when it is at least as new as the `.po`, otherwise straight from the `.po` (so a fresh
checkout, or a `.po` just edited by a communicator, never breaks rendering). Only reviewed
texts are used: a fuzzy (needs review) or empty translation is skipped and the next language in
the chain is tried: the resident's language, the configured fallbacks, then Dutch.

A municipality may keep its own overrides (tone, wording) in an `override_dir` with the same
layout; a text found there wins over the shipped one for that language.
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib
from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

DOMAIN = "zaadje"
SOURCE_LOCALE = "nl"
LOCALES: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl", "uk")
DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent / "locales"

Text = str | tuple[str, ...]  # a plain text, or the plural forms of a text


def po_path(locales_dir: Path, locale: str) -> Path:
    return Path(locales_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locales_dir: Path, locale: str) -> Path:
    return po_path(locales_dir, locale).with_suffix(".mo")


def normalise_locale(locale: str | None) -> str:
    """'en_GB', 'EN-gb' -> 'en'; anything we do not ship -> 'nl'."""
    if not locale:
        return SOURCE_LOCALE
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LOCALES else SOURCE_LOCALE


def is_rtl(locale: str) -> bool:
    try:
        return Locale.parse(locale).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


def expected_plural_forms(locale: str) -> tuple[int, str]:
    """(nplurals, C expression) from Babel's CLDR data, as the Plural-Forms header should say."""
    rule = get_plural(locale)
    return rule.num_plurals, rule.plural_expr


def parse_plural_forms(header: str) -> tuple[int, str] | None:
    """'nplurals=2; plural=(n != 1);' -> (2, '(n != 1)'); None when unreadable."""
    parts = dict(item.strip().split("=", 1) for item in header.split(";") if "=" in item)
    try:
        return int(parts["nplurals"].strip()), parts["plural"].strip()
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Translation:
    """One language's usable texts, by key."""

    locale: str
    texts: dict[str, Text] = field(default_factory=dict)
    plural_expr: str = "(n != 1)"

    def plural_index(self, n: int) -> int:
        return _plural_function(self.plural_expr)(n)


_plural_cache: dict[str, Callable[[int], int]] = {}


def _plural_function(expr: str) -> Callable[[int], int]:
    if expr not in _plural_cache:
        _plural_cache[expr] = gettext.c2py(expr)
    return _plural_cache[expr]


def _entry_text(entry: polib.POEntry | polib.MOEntry) -> Text | None:
    if entry.msgid_plural:
        forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        return forms if forms and all(forms) else None
    return entry.msgstr or None


def read_translation(locales_dir: Path, locale: str, *, draft: bool = False) -> Translation:
    """Read one catalogue. draft=True also returns fuzzy texts (for previews, never to send)."""
    po, mo = po_path(locales_dir, locale), mo_path(locales_dir, locale)
    use_mo = (
        not draft and mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime)
    )
    if use_mo:
        source: polib.POFile | polib.MOFile = polib.mofile(str(mo))
    elif po.exists():
        source = polib.pofile(str(po))
    else:
        return Translation(locale, {}, expected_plural_forms(locale)[1])
    texts: dict[str, Text] = {}
    for entry in source:
        if not entry.msgctxt or entry.obsolete or ("fuzzy" in entry.flags and not draft):
            continue
        text = _entry_text(entry)
        if text is not None:
            texts[entry.msgctxt] = text
    parsed = parse_plural_forms(source.metadata.get("Plural-Forms", ""))
    expr = parsed[1] if parsed else expected_plural_forms(locale)[1]
    return Translation(locale, texts, expr)


@dataclass
class Settings:
    locales_dir: Path = DEFAULT_LOCALES_DIR
    fallbacks: tuple[str, ...] = ()
    override_dir: Path | None = None


_settings = Settings()
Stamp = tuple[tuple[int, int, int] | None, ...]
_cache: dict[tuple[Path, str, bool], tuple[Stamp, Translation]] = {}
_lock = threading.Lock()


def configure(
    *,
    fallbacks: Sequence[str] | None = None,
    locales_dir: Path | str | None = None,
    override_dir: Path | str | None = None,
) -> None:
    """Set the fallback languages tried before Dutch (e.g. ['en']) and where catalogues live.

    Arguments left out keep their value; pass override_dir='' to remove the override.
    """
    if fallbacks is not None:
        _settings.fallbacks = tuple(normalise_locale(f) for f in fallbacks)
    if locales_dir is not None:
        _settings.locales_dir = Path(locales_dir)
    if override_dir is not None:
        _settings.override_dir = Path(override_dir) if str(override_dir) else None
    clear_cache()


def settings() -> Settings:
    return _settings


def clear_cache() -> None:
    """Forget every loaded catalogue (call after a catalogue was edited or compiled)."""
    with _lock:
        _cache.clear()


def translation(
    locale: str, locales_dir: Path | None = None, *, draft: bool = False
) -> Translation:
    directory = Path(locales_dir or _settings.locales_dir)
    cache_key = (directory, locale, draft)
    stamp = _stamp(directory, locale)  # taken before reading: a change in between rereads
    with _lock:
        cached = _cache.get(cache_key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, read_translation(directory, locale, draft=draft))
        with _lock:
            _cache[cache_key] = cached
    return cached[1]


def _stamp(directory: Path, locale: str) -> Stamp:
    """What the catalogue files are now. A text published from the desk (a new file put in
    place: new inode and mtime) is noticed by every process without a restart, for the price
    of two stat calls."""
    stamps: list[tuple[int, int, int] | None] = []
    for path in (po_path(directory, locale), mo_path(directory, locale)):
        try:
            info = path.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamps)


def chain(locale: str | None, fallbacks: Sequence[str] | None = None) -> list[str]:
    """The languages tried for a resident, in order, ending with Dutch."""
    order = [normalise_locale(locale), *(fallbacks or _settings.fallbacks), SOURCE_LOCALE]
    return list(dict.fromkeys(order))


def lookup(
    key: str,
    locale: str,
    *,
    locales_dir: Path | None = None,
    draft: bool = False,
) -> tuple[Text, Translation] | None:
    """The usable text for `key` in exactly this language (override first), or None."""
    directories: list[Path] = []
    if locales_dir is None and _settings.override_dir is not None:
        directories.append(_settings.override_dir)
    directories.append(Path(locales_dir or _settings.locales_dir))
    for directory in directories:
        found = translation(locale, directory, draft=draft)
        text = found.texts.get(key)
        if text is not None:
            return text, found
    return None
