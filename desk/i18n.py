"""The desk's own interface texts: gettext domain `desk`, Dutch first, English available.

The catalogues are `desk/locales/<lang>/LC_MESSAGES/desk.po` (msgids in English). They are
compiled in memory by Babel when first used, so a fresh checkout needs no build step and a
compiled file can never be out of date with its source.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


@functools.cache
def translations(locale: str) -> NullTranslations:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "desk.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain="desk")
    buffer = io.BytesIO()
    # Fuzzy entries are left out, as gettext would; a translator marks them reviewed.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="desk")


def negotiate(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, else Dutch."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        language = tag.split("-")[0]
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
