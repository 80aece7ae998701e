"""Texts for residents: gettext catalogues, rendering in the resident's language, text rules.

    from messages import render, render_detail
    render("sms.first_contact", "tr", gemeente="Utrecht", telefoon="14 030")

Only reviewed texts are sent; a text that still needs review falls back to the configured
fallback languages and then Dutch (`render_detail(...).locale` tells which one was used).
"""

from messages.catalog import LOCALES, SOURCE_LOCALE, clear_cache, configure, normalise_locale
from messages.keys import DAYPARTS, KEYS, KEYS_BY_NAME, PLACEHOLDERS
from messages.render import MessageError, Rendered, format_date, render, render_detail
from messages.segments import count_segments

__all__ = [
    "DAYPARTS",
    "KEYS",
    "KEYS_BY_NAME",
    "LOCALES",
    "PLACEHOLDERS",
    "SOURCE_LOCALE",
    "MessageError",
    "Rendered",
    "clear_cache",
    "configure",
    "count_segments",
    "format_date",
    "normalise_locale",
    "render",
    "render_detail",
]
