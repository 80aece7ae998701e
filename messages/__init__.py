"""Texts for residents: gettext catalogues, rendering in the resident's language, text rules.

    from messages import render, render_detail, render_letter
    render("sms.first_contact", "tr", gemeente="Utrecht", telefoon="14 030")
    render_letter("letter.first_contact", "tr", naam="J. de Vries", medewerker="Sanne Bakker",
                  gemeente="Utrecht", telefoon="14 030", sms_note=True)

Only reviewed texts are sent; a text that still needs review falls back to the configured
fallback languages and then Dutch (`render_detail(...).locale` tells which one was used); a
letter or card is used in the first language in which all its parts are reviewed.
"""

from messages.catalog import LOCALES, SOURCE_LOCALE, clear_cache, configure, normalise_locale
from messages.keys import DAYPARTS, DOCUMENTS, DOCUMENTS_BY_NAME, KEYS, KEYS_BY_NAME, PLACEHOLDERS
from messages.render import (
    MessageError,
    Rendered,
    RenderedLetter,
    format_date,
    paragraphs,
    render,
    render_detail,
    render_letter,
)
from messages.segments import count_segments

__all__ = [
    "DAYPARTS",
    "DOCUMENTS",
    "DOCUMENTS_BY_NAME",
    "KEYS",
    "KEYS_BY_NAME",
    "LOCALES",
    "PLACEHOLDERS",
    "SOURCE_LOCALE",
    "MessageError",
    "Rendered",
    "RenderedLetter",
    "clear_cache",
    "configure",
    "count_segments",
    "format_date",
    "normalise_locale",
    "paragraphs",
    "render",
    "render_detail",
    "render_letter",
]
