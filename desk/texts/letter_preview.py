"""A letter or card text as it would be printed: a PDF of its whole document (letter or card)
with ordinary sample values, the edited text in place of its key, Dutch first and the edited
language after it, as residents get it. For communicators' preview, so drafts and texts that
still need review are used as they stand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.printer.documents import Card, Letter, LetterPart, Sender
from desk.texts.preview import sample_values
from messages import catalog, publish
from messages.keys import DOCUMENTS, SALUTATION_UNNAMED, Document, Key, get_key
from messages.render import MessageError, fill, paragraphs

SAMPLE_NAME = "J. de Vries"
SAMPLE_ADDRESS = ("Voorbeeldstraat 1", "1234 AB  VOORBEELD")
REFERENCE = "Zaak 123 (voorbeeld)"


def _named(key: str) -> bool:
    """Whether the preview is of a letter to a named resident: yes, unless the edited text is
    the salutation of letters without a name."""
    return key != SALUTATION_UNNAMED


def document_of(key: str) -> Document | None:
    """The letter or card the key is part of (a shared part: the first letter)."""
    return next(
        (d for d in DOCUMENTS if key in d.keys(named=_named(key), sms_note=True)),
        None,
    )


def _part(
    document: Document, locale: str, edited: Key, text: str, values: Mapping[str, object]
) -> LetterPart:
    texts: dict[str, str] = {}
    for name in document.keys(named=_named(edited.name), sms_note=True):
        key = get_key(name)
        assert key is not None
        form = text if name == edited.name else (publish.current(name, locale).forms or ("",))[0]
        if not form.strip():  # not translated yet: the Dutch text, as residents would get it
            form = publish.current(name, catalog.SOURCE_LOCALE).forms[0]
        filled = fill(form, locale, sample_values(key, values), key=name, draft=True)
        texts[name] = (filled or form).strip()
    subject = texts[document.subject]
    closing = texts[document.closing] if document.closing else ""
    middle = [v for k, v in texts.items() if k not in (document.subject, document.closing)]
    return LetterPart(locale, subject, tuple(p for t in middle for p in paragraphs(t)), closing)


def preview_pdf(
    edited: Key, locale: str, text: str, values: Mapping[str, object], sender: Sender
) -> bytes:
    """The PDF; MessageError when the key belongs to no letter or card."""
    document = document_of(edited.name)
    if document is None:
        raise MessageError(f"{edited.name} is not part of a letter or card")
    sample = {**values, "naam": SAMPLE_NAME}
    parts = [
        _part(document, loc, edited, text, sample)
        for loc in dict.fromkeys([catalog.SOURCE_LOCALE, locale])
    ]
    from bot.printer.pdf import cards_pdf, letters_pdf  # the typesetting library, when needed

    if document.kind == "card":
        return cards_pdf([Card(REFERENCE, tuple(parts), caseworker="Sanne")], sender)
    letter = Letter(REFERENCE, date.today(), (SAMPLE_NAME, *SAMPLE_ADDRESS), tuple(parts))
    return letters_pdf([letter], sender)
