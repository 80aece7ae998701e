"""Print-ready PDF for letters and home-visit cards (WeasyPrint: HTML and CSS laid out by Pango).

`letters_pdf(letters, sender)` gives one A4 document for a whole batch, ready for a duplex
printer and a folding-and-inserting machine:

* every letter starts on an odd page: a letter with an odd page count is followed by a blank
  page, so each letter is a whole number of sheets;
* every page carries "Kenmerk <reference>" and "Pagina n van m", n and m counted per letter;
* the first page has the sender block (logo, name, return address, phone, e-mail, website) at
  the top, the reference and the date (in Dutch, "4 december 2026", through Babel) in the right
  column, and the recipient in the envelope window;
* each language version (`LetterPart`) starts on a page of its own, Dutch first; a right-to-left
  language (Arabic) gets `dir="rtl"` and an Arabic font (Noto Naskh Arabic), so Pango shapes and
  orders it and its text is right-aligned.

The window (millimetres from the top-left corner of the A4 sheet): the standard Dutch window
envelope EA5/6 (110 x 220 mm, the Dutch name of DL) with the window on the left, 90 x 45 mm at
20 mm from the left edge and 15 mm from the bottom edge of the envelope (the DIN 680 position).
A sheet folded in three (99 mm panels) rests at the top of the envelope, so on the sheet the
window is the rectangle x 20-110 mm, y 50-95 mm (`WINDOW`). The text inside keeps
`WINDOW_MARGIN` (4 mm) from every edge of it, for the play of the sheet in the envelope: the
printed address block is x 24-106 mm, y 54-91 mm. It holds a 6.5 pt return-address line
("Retour: Gemeente ..., Postbus ...") over a rule, then the recipient (at most
`MAX_RECIPIENT_LINES` lines). Nothing else is printed within the window: the logo and the
sender block lie above it (y < 50 mm; the logo at most 37 mm high, the sender column right of
125 mm), the reference and the date right of it (x >= 125 mm), the text below it (y >= 105 mm).

Throughput: WeasyPrint takes about 27 ms of CPU for a letter (layout, drawing, writing), and
one document of many letters is slower per letter and grows in memory. So a batch is cut into
chunks of `CHUNK_SIZE` letters; in a chunk each letter is its own WeasyPrint document (so its
page count, the "van m", is its own), the pages are written as one PDF, by a pool of worker
processes (one per core) when there are several chunks; then pikepdf (qpdf) joins the chunks in
order. A chunk holds only whole sheets, so joining keeps every letter on an odd page. The
letterhead (logo and sender block, the same on every letter) is laid out once, on a page of its
own, and drawn on every first page as one shared form XObject: a tenth less work per letter,
and the file holds the logo once. Figures: bench/letters.py and the README.

Deterministic: the same letters and sender give byte-identical PDF. WeasyPrint writes no
CreationDate, ModDate or /ID unless asked (it takes dates only from `<meta name=dcterms.*>`,
which the templates do not have, and `pdf_identifier` defaults to none), its font subsets are
named from an MD5 of the font, and the chunks do not depend on the number of workers. The
joined file gets a fixed information dictionary (its dates are the latest letter date at
midnight) and qpdf's `deterministic_id` (an /ID computed from the content). (Other versions of
WeasyPrint, Pango or the fonts may of course lay out differently.)
"""

from __future__ import annotations

import base64
import io
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import jinja2
import pikepdf
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from bot.printer.documents import Card, Letter, LetterPart, Sender


@dataclass(frozen=True)
class Rect:
    """A rectangle on the sheet, in millimetres from its top-left corner."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


A4 = (210.0, 297.0)
# EA5/6 (DL, 110 x 220 mm), window on the left: 90 x 45 mm, 20 mm from the left, 15 mm from
# the bottom of the envelope: on the A4 sheet folded in three, 50 mm from its top.
WINDOW = Rect(left=20.0, top=50.0, width=90.0, height=45.0)
WINDOW_MARGIN = 4.0  # the printed block keeps this far inside the window
ADDRESS_BLOCK = Rect(
    left=WINDOW.left + WINDOW_MARGIN,
    top=WINDOW.top + WINDOW_MARGIN,
    width=WINDOW.width - 2 * WINDOW_MARGIN,
    height=WINDOW.height - 2 * WINDOW_MARGIN,
)
MAX_RECIPIENT_LINES = 6

# Page margins (mm). The first page's head (logo, sender, window, reference and date) is a box
# of HEAD_HEIGHT under a narrow top margin; the text starts below it.
MARGIN_LEFT = 24.0
MARGIN_RIGHT = 20.0
MARGIN_BOTTOM = 22.0
MARGIN_TOP_FIRST = 12.0
MARGIN_TOP_NEXT = 25.0
TEXT_TOP_FIRST = 105.0
COLUMN_LEFT = 125.0  # the sender column and the reference/date block, right of the window

CARD = (A4[0] / 2, A4[1] / 2)  # A6 (105 x 148.5 mm), four to an A4 sheet
CARD_PADDING = 8.0
CARDS_PER_SHEET = 4

CHUNK_SIZE = 100  # letters per WeasyPrint chunk (memory: about 1 MB per letter while in it)
CARD_SHEETS_PER_CHUNK = 100

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.printer", "templates"),
    autoescape=jinja2.select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_CSS_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.printer", "templates"),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
)

_MEASURES: dict[str, float] = {
    "left": MARGIN_LEFT,
    "right": MARGIN_RIGHT,
    "bottom": MARGIN_BOTTOM,
    "top_first": MARGIN_TOP_FIRST,
    "top_next": MARGIN_TOP_NEXT,
    "head_height": TEXT_TOP_FIRST - MARGIN_TOP_FIRST,
    "logo_width": 60.0,
    "logo_height": WINDOW.top - MARGIN_TOP_FIRST - 1.0,
    "column_left": COLUMN_LEFT - MARGIN_LEFT,
    "column_width": A4[0] - MARGIN_RIGHT - COLUMN_LEFT,
    "window_left": WINDOW.left - MARGIN_LEFT,
    "window_top": WINDOW.top - MARGIN_TOP_FIRST,
    "window_width": WINDOW.width,
    "window_height": WINDOW.height,
    "window_margin": WINDOW_MARGIN,
    "card_width": CARD[0],
    "card_height": CARD[1],
    "card_padding": CARD_PADDING,
}


@cache
def _css_text(name: str) -> str:
    return _CSS_TEMPLATES.get_template(name).render(m=_MEASURES)


@cache
def _direction(locale: str) -> str:
    try:
        order = Locale.parse(locale.replace("-", "_")).character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


@cache
def _data_uri(path: Path, modified: int) -> str:
    kinds = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg",
             ".jpeg": "image/jpeg"}
    kind = kinds.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"logo {path}: a PNG, SVG or JPEG file is needed")
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _logo(sender: Sender) -> str:
    if sender.logo is None:
        return ""
    return _data_uri(sender.logo, sender.logo.stat().st_mtime_ns)


def _parts(parts: Sequence[LetterPart]) -> list[dict[str, Any]]:
    return [
        {
            "locale": part.locale,
            "dir": _direction(part.locale),
            "subject": part.subject,
            "paragraphs": part.paragraphs,
            "closing": part.closing,
        }
        for part in parts
    ]


def _check(letter: Letter) -> None:
    if not letter.parts:
        raise ValueError(f"letter {letter.reference}: no text")
    if not 1 <= len(letter.recipient) <= MAX_RECIPIENT_LINES:
        raise ValueError(
            f"letter {letter.reference}: the recipient needs 1 to {MAX_RECIPIENT_LINES} lines "
            f"to fit the envelope window, not {len(letter.recipient)}"
        )


def _letter_html(letter: Letter, sender: Sender, *, css: str, letterhead: bool) -> str:
    _check(letter)
    return _TEMPLATES.get_template("letter.html").render(
        css=css,
        letterhead=letterhead,
        letter=letter,
        sender=sender,
        logo=_logo(sender),
        date=format_date(letter.date, format="long", locale="nl"),
        return_line="Retour: " + ", ".join((sender.name, *sender.return_address)),
        parts=_parts(letter.parts),
    )


def letter_html(letter: Letter, sender: Sender) -> str:
    """The HTML of one letter with its CSS inline, for previews (the PDF is laid out from it)."""
    return _letter_html(letter, sender, css=_css_text("letter.css"), letterhead=True)


class _Renderer:
    """What one process keeps between documents: parsed stylesheets, fonts, images, a blank page."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.images: dict[str, Any] = {}
        self.letter_css = CSS(string=_css_text("letter.css"), font_config=self.fonts)
        self.cards_css = CSS(string=_css_text("cards.css"), font_config=self.fonts)
        blank = CSS(string="@page { size: A4; margin: 0 }", font_config=self.fonts)
        self.blank = self.render("<html><body></body></html>", blank).pages[0]

    def render(self, html: str, css: CSS) -> Document:
        return HTML(string=html).render(
            stylesheets=[css], font_config=self.fonts, cache=self.images
        )

    def write(self, documents: Sequence[Document], pages: list[Any]) -> bytes:
        combined = documents[0].copy(pages)
        combined.metadata.title = None
        data = combined.write_pdf(cache=self.images)
        assert isinstance(data, bytes)
        return data


@cache
def _renderer() -> _Renderer:
    return _Renderer()


# WeasyPrint and Pango promise nothing about threads, and the app calls these functions from
# `asyncio.to_thread`: one rendering at a time in a process.
_RENDERING = threading.Lock()


@dataclass(frozen=True)
class _Chunk:
    pdf: bytes
    first_pages: tuple[int, ...]  # where each letter starts, counted from 0 in this chunk
    letterhead: bytes | None  # the letterhead page, from the first chunk only


def _letters_chunk(letters: Sequence[Letter], sender: Sender, letterhead: bool) -> _Chunk:
    """One chunk of letters as PDF, each letter padded to an even number of pages.

    The letterhead (logo and sender block, the same on every letter) is not in these pages: it
    is laid out once, on a page of its own, and `_join` draws that page on every first page.
    That saves about a tenth of the time a letter takes, and the file holds the logo once.
    """
    with _RENDERING:
        return _render_letters(letters, sender, letterhead)


def _render_letters(letters: Sequence[Letter], sender: Sender, letterhead: bool) -> _Chunk:
    renderer = _renderer()
    documents = []
    pages: list[Any] = []
    first_pages = []
    for letter in letters:
        html = _letter_html(letter, sender, css="", letterhead=False)
        document = renderer.render(html, renderer.letter_css)
        documents.append(document)
        first_pages.append(len(pages))
        pages.extend(document.pages)
        if len(document.pages) % 2:
            pages.append(renderer.blank)
    head: bytes | None = None
    if letterhead:
        html = _TEMPLATES.get_template("letterhead_page.html").render(
            sender=sender, logo=_logo(sender)
        )
        head_document = renderer.render(html, renderer.letter_css)
        head = renderer.write([head_document], head_document.pages)
    return _Chunk(renderer.write(documents, pages), tuple(first_pages), head)


def _cards_chunk(sheets: Sequence[Sequence[dict[str, Any] | None]], sender: Sender) -> bytes:
    html = _TEMPLATES.get_template("cards.html").render(
        css="", sheets=sheets, sender=sender, logo=_logo(sender)
    )
    with _RENDERING:
        renderer = _renderer()
        document = renderer.render(html, renderer.cards_css)
        return renderer.write([document], document.pages)


def _pdf_date(day: date) -> str:
    return f"D:{day:%Y%m%d}000000Z"


LETTERHEAD = pikepdf.Name("/ZaadjeLetterhead")  # its name in the first pages' resources


def _join(
    chunks: Sequence[bytes],
    title: str,
    day: date | None,
    *,
    letterhead: bytes | None = None,
    first_pages: Sequence[Sequence[int]] = (),
) -> bytes:
    """The chunks' pages in order as one PDF, with fixed metadata and a content-derived /ID.

    With `letterhead` (a one-page PDF), its page becomes one form XObject drawn on the pages
    `first_pages` (per chunk, counted from 0 in that chunk).
    """
    out = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(chunk)) for chunk in chunks]
    try:
        stamp = None
        if letterhead is not None:
            head = pikepdf.open(io.BytesIO(letterhead))
            sources.append(head)
            form = out.copy_foreign(head.pages[0].as_form_xobject())
            # WeasyPrint's page content changes the CTM outside any q/Q: wrap it in q ... Q
            # before drawing the letterhead. Both streams are shared by all first pages.
            stamp = (
                form,
                out.make_stream(b"q\n"),
                out.make_stream(b"Q\nq " + LETTERHEAD.unparse() + b" Do Q\n"),
            )
        # One flat page tree of copied page objects: `out.pages.extend` does the same in
        # about 2 ms a page (40 s for 20,000 pages); copying the objects takes 1 s.
        tree = out.Root.Pages
        kids = []
        for number, source in enumerate(sources[: len(chunks)]):
            firsts = set(first_pages[number]) if stamp is not None else set()
            for index, page in enumerate(source.Root.Pages.Kids):
                kid = out.copy_foreign(page)
                kid.Parent = tree
                if index in firsts and stamp is not None:
                    _stamp(kid, *stamp)
                kids.append(kid)
        tree.Kids = pikepdf.Array(kids)
        tree.Count = len(kids)
        info = pikepdf.Dictionary(
            Title=pikepdf.String(title),
            Creator=pikepdf.String("Zaadje"),
            Producer=pikepdf.String("WeasyPrint, qpdf"),
        )
        if day is not None:
            info.CreationDate = info.ModDate = pikepdf.String(_pdf_date(day))
        out.docinfo = out.make_indirect(info)
        buffer = io.BytesIO()
        out.save(
            buffer,
            min_version=max(source.pdf_version for source in sources),
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
    finally:
        for source in sources:
            source.close()
        out.close()
    return buffer.getvalue()


def _stamp(
    page: pikepdf.Object, form: pikepdf.Object, push: pikepdf.Object, draw: pikepdf.Object
) -> None:
    """Draw `form` on `page`, over its content (WeasyPrint shares one /Resources per chunk)."""
    contents = page.Contents
    existing = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    page.Contents = pikepdf.Array([push, *existing, draw])
    resources = page.Resources
    if pikepdf.Name.XObject not in resources:
        resources[pikepdf.Name.XObject] = pikepdf.Dictionary()
    resources[pikepdf.Name.XObject][LETTERHEAD] = form


POOL_FROM_CHUNKS = 4  # fewer chunks render in this process: starting workers takes ~1.5 s


def _workers(requested: int | None, chunks: int) -> int:
    if requested is None:
        if chunks < POOL_FROM_CHUNKS:
            return 1
        requested = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
        requested = requested or os.cpu_count() or 1
    return max(1, min(requested, chunks))


def letters_pdf(
    letters: Sequence[Letter],
    sender: Sender,
    *,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> bytes:
    """All letters as one A4 PDF for duplex printing, each letter starting on an odd page.

    The letters are rendered in chunks of `chunk_size`, by `workers` processes (default: one
    per available core from `POOL_FROM_CHUNKS` chunks on; 1: all in this process). The output
    does not depend on `workers`, only on `chunk_size`.
    """
    if not letters:
        raise ValueError("no letters to print")
    for letter in letters:
        _check(letter)
    chunks = [tuple(letters[i : i + chunk_size]) for i in range(0, len(letters), chunk_size)]
    heads = [number == 0 for number in range(len(chunks))]
    count = _workers(workers, len(chunks))
    if count == 1:
        parts = [
            _letters_chunk(chunk, sender, head) for chunk, head in zip(chunks, heads, strict=True)
        ]
    else:
        # spawn: a fresh interpreter per worker, whatever threads or event loop this one runs.
        with ProcessPoolExecutor(max_workers=count, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_letters_chunk, chunks, [sender] * len(chunks), heads))
    return _join(
        [part.pdf for part in parts],
        f"{sender.name}: {len(letters)} brieven",
        max(letter.date for letter in letters),
        letterhead=parts[0].letterhead,
        first_pages=[part.first_pages for part in parts],
    )


def cards_pdf(cards: Sequence[Card], sender: Sender) -> bytes:
    """Home-visit cards, four A6 cards to each A4 sheet, with cut lines.

    The front of a card has its first part (Dutch). When any card has more parts, every sheet
    is followed by a back page with those parts, each card's back at the mirrored position
    (long-edge duplex), so the translation is on the back of the same card.
    """
    if not cards:
        raise ValueError("no cards to print")
    for card in cards:
        if not card.parts:
            raise ValueError(f"card {card.reference}: no text")
    backs = any(len(card.parts) > 1 for card in cards)
    mirrored = {0: 1, 1: 0, 2: 3, 3: 2}
    sheets: list[list[dict[str, Any] | None]] = []
    for start in range(0, len(cards), CARDS_PER_SHEET):
        group = cards[start : start + CARDS_PER_SHEET]
        front: list[dict[str, Any] | None] = []
        back: list[dict[str, Any] | None] = []
        for position, card in enumerate(group):
            parts = _parts(card.parts)
            front.append({"card": card, "position": position, "parts": parts[:1],
                          "dir": parts[0]["dir"]})
            if len(parts) > 1:
                back.append({"card": card, "position": mirrored[position], "parts": parts[1:],
                             "dir": parts[1]["dir"]})
        sheets.append(front)
        if backs:
            sheets.append(back)
    step = CARD_SHEETS_PER_CHUNK * (2 if backs else 1)
    chunks = [_cards_chunk(sheets[i : i + step], sender) for i in range(0, len(sheets), step)]
    return _join(chunks, f"{sender.name}: {len(cards)} visitekaarten", None)
