"""Letters and home-visit cards as PDF (bot/printer/pdf.py), read back with real PDF readers.

pypdf extracts the text (and, with a visitor, where each run starts); pypdfium2 (PDFium, the PDF
engine of Chromium) gives each character's box and renders pages to pixels. Positions are in
millimetres from the top-left corner of the A4 sheet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject
from weasyprint import HTML

from bot.printer.pdf import (
    A4,
    ADDRESS_BLOCK,
    COLUMN_LEFT,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    WINDOW,
    WINDOW_MARGIN,
    Card,
    Letter,
    LetterPart,
    Rect,
    Sender,
    cards_pdf,
    letter_html,
    letters_pdf,
)

MM_PER_PT = 25.4 / 72
SHEET_HEIGHT_PT = A4[1] / MM_PER_PT

SENDER = Sender(
    name="Gemeente Voorbeeldstad",
    return_address=("Postbus 123", "1234 AB Voorbeeldstad"),
    phone="14 020",
    email="geldzorgen@voorbeeldstad.nl",
    website="www.voorbeeldstad.nl",
)

DUTCH = LetterPart(
    locale="nl",
    subject="Wij willen u graag helpen met uw betalingsachterstand",
    paragraphs=(
        "Beste heer Öztürk,",
        "Wij hebben van uw energieleverancier gehoord dat u een betalingsachterstand heeft. Dat "
        "kan iedereen overkomen. Wij willen graag samen met u kijken hoe wij kunnen helpen.",
        "U kunt ons bellen op werkdagen tussen 9.00 en 17.00 uur. Het gesprek is gratis.",
    ),
    closing="Met vriendelijke groet,\n\nAnna de Vries\nTeam Geldzorgen",
)
ARABIC = LetterPart(
    locale="ar",
    subject="نود مساعدتك في متأخرات الدفع",
    paragraphs=(
        "عزيزي السيد،",
        "علمنا من مزود الطاقة الخاص بك أن لديك متأخرات في الدفع. يمكن أن يحدث هذا لأي شخص. "
        "نود أن ننظر معك في كيفية مساعدتك حتى لا يزداد الدين. المحادثة مجانية وسرية.",
    ),
    closing="مع أطيب التحيات،\n\nآنا دي فريس",
)
UKRAINIAN = LetterPart(
    locale="uk",
    subject="Ми хочемо допомогти вам із заборгованістю",
    paragraphs=("Шановний пане,", "Ґанок, їжак, єнот: це може статися з кожним."),
    closing="З повагою,\nАнна де Фріс",
)
TURKISH = LetterPart(
    locale="tr",
    subject="Ödeme gecikmeniz konusunda size yardım etmek istiyoruz",
    paragraphs=("Şişli, çiğdem, ığdır, öğün, ünlü: İstanbul.",),
    closing="Saygılarımızla,\nAnna de Vries",
)
POLISH = LetterPart(
    locale="pl",
    subject="Chcemy pomóc Państwu w spłacie zaległości",
    paragraphs=("Zażółć gęślą jaźń.",),
    closing="Z poważaniem,\nAnna de Vries",
)
LONG = LetterPart(
    locale="nl",
    subject="Een lange brief",
    paragraphs=tuple(
        f"Alinea {i}: " + "Dit is een regel tekst die de brief langer maakt dan één pagina. " * 6
        for i in range(1, 19)
    ),
    closing="Met vriendelijke groet,\n\nAnna de Vries",
)

LETTERS = (
    Letter(
        reference="2026-000123",
        date=date(2026, 12, 4),
        recipient=("De heer M. Öztürk", "Dorpsstraat 12 B", "1234 AB Voorbeeldstad"),
        parts=(DUTCH, ARABIC),
    ),
    Letter(
        reference="2026-000124",
        date=date(2026, 12, 4),
        recipient=("Mevrouw K. Wiśniewska-Żółć", "Łąkowa 3", "1234 AB Voorbeeldstad"),
        parts=(DUTCH,),
    ),
    Letter(
        reference="2026-000125",
        date=date(2026, 12, 3),
        recipient=("Пані О. Коваленко", "Kerkplein 1", "1234 AB Voorbeeldstad"),
        parts=(LONG, UKRAINIAN),
    ),
    Letter(
        reference="2026-000126",
        date=date(2026, 12, 4),
        recipient=("Şükrü Yılmaz", "Molenweg 7", "1234 AB Voorbeeldstad"),
        parts=(DUTCH, TURKISH, POLISH),
    ),
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return letters_pdf(LETTERS, SENDER, workers=1)


@pytest.fixture(scope="module")
def texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def letter_pages(texts: list[str]) -> dict[str, list[int]]:
    """Reference -> the 1-based numbers of the pages that carry it."""
    pages: dict[str, list[int]] = {}
    for number, text in enumerate(texts, start=1):
        for reference in re.findall(r"Kenmerk (\d{4}-\d{6})", text):
            pages.setdefault(reference, []).append(number)
    return {reference: sorted(set(numbers)) for reference, numbers in pages.items()}


def boxes(document: pdfium.PdfDocument, index: int, text: str) -> list[Rect]:
    """The box of every character of each occurrence of `text` on page `index`, in mm."""
    textpage = document[index].get_textpage()
    searcher = textpage.search(text)
    found = []
    while (match := searcher.get_next()) is not None:
        start, count = match
        for i in range(start, start + count):
            left, bottom, right, top = textpage.get_charbox(i)
            if right > left:  # skip spaces
                found.append(rect_from_pt(left, bottom, right, top))
    return found


def rect_from_pt(left: float, bottom: float, right: float, top: float) -> Rect:
    return Rect(
        left=left * MM_PER_PT,
        top=(SHEET_HEIGHT_PT - top) * MM_PER_PT,
        width=(right - left) * MM_PER_PT,
        height=(top - bottom) * MM_PER_PT,
    )


def all_chars(document: pdfium.PdfDocument, index: int) -> Iterator[tuple[str, Rect]]:
    textpage = document[index].get_textpage()
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        left, bottom, right, top = textpage.get_charbox(i)
        if char.strip() and right > left:
            yield char, rect_from_pt(left, bottom, right, top)


def text_lines(document: pdfium.PdfDocument, index: int) -> list[list[tuple[str, Rect]]]:
    """The characters of each line of text on page `index`, in PDFium's reading order."""
    textpage = document[index].get_textpage()
    lines: list[list[tuple[str, Rect]]] = [[]]
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char in "\r\n":
            if lines[-1]:
                lines.append([])
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        if char.strip() and right > left:
            lines[-1].append((char, rect_from_pt(left, bottom, right, top)))
    return [line for line in lines if line]


def gray(image: Image.Image) -> list[bytes]:
    """The image's rows of 8-bit luminance (0 black, 255 white)."""
    luminance = image.convert("L")
    width, height = luminance.size
    data = luminance.tobytes()
    return [data[y * width : (y + 1) * width] for y in range(height)]


def inside(box: Rect, area: Rect, slack: float = 0.05) -> bool:
    return (
        box.left >= area.left - slack
        and box.right <= area.right + slack
        and box.top >= area.top - slack
        and box.bottom <= area.bottom + slack
    )


def overlaps(box: Rect, area: Rect) -> bool:
    return not (
        box.right <= area.left
        or box.left >= area.right
        or box.bottom <= area.top
        or box.top >= area.bottom
    )


def test_the_window_position_is_the_documented_one() -> None:
    assert (WINDOW.left, WINDOW.top, WINDOW.width, WINDOW.height) == (20, 50, 90, 45)
    assert (ADDRESS_BLOCK.left, ADDRESS_BLOCK.top) == (24, 54)
    assert (ADDRESS_BLOCK.right, ADDRESS_BLOCK.bottom) == (106, 91)


def test_the_recipient_lies_in_the_envelope_window(pdf: bytes) -> None:
    document = pdfium.PdfDocument(pdf)
    first_pages = [0, 2, 4, 8]  # letter starts (checked below)
    for index, letter in zip(first_pages, LETTERS, strict=True):
        for line in letter.recipient:
            # "1234 AB Voorbeeldstad" is in the sender column too, right of the window.
            found = [box for box in boxes(document, index, line) if box.left < COLUMN_LEFT]
            assert found, f"{line!r} not on page {index + 1}"
            for box in found:
                assert inside(box, ADDRESS_BLOCK), (line, box)
        found = boxes(document, index, "Postbus 123, 1234 AB Voorbeeldstad")
        assert found and all(inside(box, ADDRESS_BLOCK) for box in found)


def test_the_window_start_of_each_line_with_pypdf(pdf: bytes) -> None:
    # pypdf's visitor: where each text run starts (x from the left, baseline from the top).
    starts: dict[str, list[tuple[float, float]]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        starts.setdefault(text.strip(), []).append(
            (x * MM_PER_PT, (SHEET_HEIGHT_PT - y) * MM_PER_PT)
        )

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    for line in LETTERS[0].recipient:
        [(x, baseline)] = [start for start in starts[line] if start[0] < COLUMN_LEFT]
        assert ADDRESS_BLOCK.left - 0.1 <= x < ADDRESS_BLOCK.left + 1, (line, x)
        assert ADDRESS_BLOCK.top < baseline < ADDRESS_BLOCK.bottom, (line, baseline)


def test_nothing_else_shows_through_the_window(pdf: bytes) -> None:
    document = pdfium.PdfDocument(pdf)
    # The sheet can move WINDOW_MARGIN in the envelope: what could show is the window grown by it.
    seen = Rect(
        WINDOW.left - WINDOW_MARGIN,
        WINDOW.top - WINDOW_MARGIN,
        WINDOW.width + 2 * WINDOW_MARGIN,
        WINDOW.height + 2 * WINDOW_MARGIN,
    )
    allowed = "".join(("Retour", *LETTERS[0].recipient, SENDER.name, *SENDER.return_address))
    for char, box in all_chars(document, 0):
        if overlaps(box, seen):
            assert inside(box, ADDRESS_BLOCK), (char, box)
            assert char in allowed + ",:", char
    # And no ink at all (rules, logo, lines) in that area outside the address block.
    scale = 4  # 288 dpi
    image = gray(document[0].render(scale=scale).to_pil())
    px = scale / MM_PER_PT  # pixels per mm
    for y in range(int(seen.top * px), int(seen.bottom * px)):
        for x in range(int(seen.left * px), int(seen.right * px)):
            in_block = (  # give anti-aliasing 0.3 mm
                (ADDRESS_BLOCK.left - 0.3) * px <= x <= (ADDRESS_BLOCK.right + 0.3) * px
                and (ADDRESS_BLOCK.top - 0.3) * px <= y <= (ADDRESS_BLOCK.bottom + 0.3) * px
            )
            if not in_block:
                assert image[y][x] > 250, (x / px, y / px)


def test_each_letter_starts_on_an_odd_page_and_counts_its_own_pages(texts: list[str]) -> None:
    pages = letter_pages(texts)
    assert pages == {
        "2026-000123": [1, 2],
        "2026-000124": [3],  # page 4: blank
        "2026-000125": [5, 6, 7, 8],  # three pages of Dutch, one of Ukrainian
        "2026-000126": [9, 10, 11],  # page 12: blank
    }
    assert len(texts) == 12
    for blank in (4, 12):
        assert texts[blank - 1].strip() == ""
    for reference, numbers in pages.items():
        assert numbers[0] % 2 == 1, reference
        for n, number in enumerate(numbers, start=1):
            assert f"Pagina {n} van {len(numbers)}" in texts[number - 1], (reference, number)
            assert f"Kenmerk {reference}" in texts[number - 1]


def test_the_text_in_every_language_comes_out_whole(texts: list[str]) -> None:
    everything = "\n".join(texts)
    flat = re.sub(r"\s+", " ", everything)
    assert "Wij willen u graag helpen met uw betalingsachterstand" in everything
    assert "Beste heer Öztürk," in everything
    assert "4 december 2026" in texts[0]
    assert "3 december 2026" in texts[4]
    assert "Pagina 1 van 4" in texts[4] and "Pagina 4 van 4" in texts[7]
    assert "Gemeente Voorbeeldstad" in texts[0] and "Postbus 123" in texts[0]
    assert "14 020" in texts[0] and "geldzorgen@voorbeeldstad.nl" in texts[0]
    for part in (UKRAINIAN, TURKISH, POLISH):
        assert part.subject in everything
        for paragraph in part.paragraphs:
            assert paragraph in flat
    for name in ("Mevrouw K. Wiśniewska-Żółć", "Łąkowa 3", "Пані О. Коваленко", "Şükrü Yılmaz"):
        assert name in everything


def test_arabic_is_in_logical_order_shaped_and_right_aligned(pdf: bytes, texts: list[str]) -> None:
    arabic = texts[1]
    # Extracted in reading order, word by word as written (not reversed, not as presentation
    # forms).
    assert ARABIC.subject in arabic
    assert "عزيزي السيد،" in arabic
    for word in ("متأخرات", "مساعدتك", "مجانية", "التحيات"):
        assert word in arabic
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", arabic)  # no presentation forms
    assert not re.search("[\u0600-\u06ff]", texts[0])  # the Dutch page has no Arabic

    document = pdfium.PdfDocument(pdf)
    right_edge = A4[0] - MARGIN_RIGHT
    lines = [
        [box for char, box in line if "\u0600" <= char <= "\u06ff"]
        for line in text_lines(document, 1)
    ]
    lines = [line for line in lines if line]
    assert len(lines) >= 5
    for row in lines:
        assert abs(max(box.right for box in row) - right_edge) < 1.5, row
    # Short lines start far from the left margin, where the Dutch text starts.
    assert max(min(box.left for box in row) for row in lines) > 100
    dutch = [box for char, box in all_chars(document, 0) if box.top > 105 and box.top < 250]
    assert abs(min(box.left for box in dutch) - MARGIN_LEFT) < 1


def test_a_page_renders_to_pixels_with_arabic_glyphs(pdf: bytes, tmp_path: Path) -> None:
    document = pdfium.PdfDocument(pdf)
    subject = boxes(document, 1, ARABIC.subject)
    top, bottom = min(box.top for box in subject), max(box.bottom for box in subject)
    scale = 2
    path = tmp_path / "arabic.png"
    document[1].render(scale=scale).to_pil().save(path)
    with Image.open(path) as png:
        image = gray(png)
    width = len(image[0])
    px = scale / MM_PER_PT
    # The subject's line: ink from the right margin leftwards, nothing in the left half.
    ink = [
        x
        for y in range(int(top * px), int(bottom * px) + 1)
        for x in range(width)
        if image[y][x] < 128
    ]
    assert ink
    assert min(ink) > width / 2
    assert abs(max(ink) / px - (A4[0] - MARGIN_RIGHT)) < 1.5


def test_the_same_input_gives_the_same_bytes(pdf: bytes) -> None:
    again = letters_pdf(LETTERS, SENDER, workers=1)
    assert again == pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"] == "D:20261204000000Z"
    identifier = reader.trailer["/ID"]
    assert isinstance(identifier, ArrayObject) and identifier[0] == identifier[1]


@pytest.mark.slow
def test_chunks_in_worker_processes_give_the_same_bytes() -> None:
    letters = [*LETTERS, *LETTERS[:2], *LETTERS[1:]]
    serial = letters_pdf(letters, SENDER, workers=1, chunk_size=3)
    parallel = letters_pdf(letters, SENDER, workers=2, chunk_size=3)
    assert serial == parallel
    pages = letter_pages([page.extract_text() for page in PdfReader(io.BytesIO(serial)).pages])
    assert all(numbers[0] % 2 == 1 for numbers in pages.values())


def test_a_logo_is_placed_above_the_window(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 120), (0, 80, 160)).save(logo)
    pdf = letters_pdf(
        LETTERS[1:2], Sender(SENDER.name, SENDER.return_address, "14 020", logo=logo), workers=1
    )
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    px = 1 / MM_PER_PT
    blue = [
        (x, y)
        for y in range(0, int(WINDOW.bottom * px))
        for x in range(0, int(A4[0] * px))
        if image.getpixel((x, y)) == (0, 80, 160)
    ]
    assert blue
    assert max(y for _, y in blue) < (WINDOW.top - WINDOW_MARGIN) * px
    svg = tmp_path / "logo.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20">'
        '<rect width="60" height="20" fill="#005aa0"/></svg>'
    )
    assert letters_pdf(LETTERS[1:2], Sender("G", ("P",), "1", logo=svg), workers=1)


def test_letter_html_is_the_preview_of_the_pdf() -> None:
    html = letter_html(LETTERS[0], SENDER)
    assert html.startswith("<!DOCTYPE html>")
    assert '<section class="part" lang="ar" dir="rtl"' in html
    assert '<section class="part" lang="nl" dir="ltr"' in html
    assert "@page" in html and f"left: {WINDOW.left - MARGIN_LEFT}mm" in html
    assert "De heer M. Öztürk" in html and "4 december 2026" in html
    assert 'font-family: "Noto Sans"' in html  # the CSS is not HTML-escaped
    escaped = letter_html(Letter("X<1>", date(2026, 1, 2), ("<b>Jan</b> & Co",), (DUTCH,)), SENDER)
    assert "&lt;b&gt;Jan&lt;/b&gt; &amp; Co" in escaped and "<b>Jan</b>" not in escaped


def test_the_preview_looks_like_the_printed_first_page(pdf: bytes) -> None:
    # In the PDF the letterhead is laid out once and drawn on each first page; the preview
    # has it inline. Both must give the same picture.
    preview = HTML(string=letter_html(LETTERS[1], SENDER)).write_pdf()
    printed = gray(pdfium.PdfDocument(pdf)[2].render(scale=1).to_pil())
    shown = gray(pdfium.PdfDocument(preview)[0].render(scale=1).to_pil())
    assert len(printed) == len(shown)
    differ = sum(
        abs(a - b) > 64
        for row, other in zip(printed, shown, strict=True)
        for a, b in zip(row, other, strict=True)
    )
    ink = sum(value < 192 for row in printed for value in row)
    assert ink > 1000 and differ < ink / 100


def test_a_recipient_that_does_not_fit_the_window_is_refused() -> None:
    too_long = Letter("2026-1", date(2026, 1, 2), tuple(f"regel {i}" for i in range(7)), (DUTCH,))
    with pytest.raises(ValueError, match="window"):
        letters_pdf([too_long], SENDER)
    with pytest.raises(ValueError):
        letters_pdf([], SENDER)


def cards(count: int, *, translated: bool) -> list[Card]:
    visit = LetterPart(
        "nl",
        "Wij waren bij u langs",
        ("Wij hebben u vandaag niet thuis getroffen. Wilt u ons bellen?",),
        "",
    )
    arabic = LetterPart(
        "ar", "زرناك اليوم", ("لم نجدك في المنزل اليوم. هل يمكنك الاتصال بنا؟",), ""
    )
    return [
        Card(
            reference=f"2026-{i:06d}",
            parts=(visit, arabic) if translated and i % 2 else (visit,),
            caseworker="Fatima" if i % 3 else "",
            direct_phone="06 12345678" if i % 3 else "",
        )
        for i in range(1, count + 1)
    ]


def test_cards_four_to_an_a4_sheet() -> None:
    pdf = cards_pdf(cards(7, translated=False), SENDER)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width * MM_PER_PT - 210) < 0.5 and abs(height * MM_PER_PT - 297) < 0.5
    first, second = (page.extract_text() for page in reader.pages)
    assert len(re.findall(r"Kenmerk 2026-\d{6}", first)) == 4
    assert len(re.findall(r"Kenmerk 2026-\d{6}", second)) == 3
    assert first.count("Wij waren bij u langs") == 4
    assert first.count("Gemeente Voorbeeldstad") >= 4 and "14 020" in first
    assert "Fatima" in first and "06 12345678" in first
    # Each card's reference lies in its own A6 quarter.
    document = pdfium.PdfDocument(pdf)
    for i, (left, top) in enumerate(((0, 0), (105, 0), (0, 148.5), (105, 148.5)), start=1):
        quarter = Rect(left, top, 105, 148.5)
        found = boxes(document, 0, f"2026-{i:06d}")
        assert found and all(inside(box, quarter) for box in found), i
    assert cards_pdf(cards(7, translated=False), SENDER) == pdf


def test_translated_cards_get_a_mirrored_back() -> None:
    pdf = cards_pdf(cards(5, translated=True), SENDER)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 4  # two sheets, front and back
    back = reader.pages[1].extract_text()
    assert "زرناك اليوم" in back and "Wij waren bij u langs" not in back
    # Card 1 (front top-left) is translated: its back is top-right on the back page.
    document = pdfium.PdfDocument(pdf)
    found = boxes(document, 1, "2026-000001")
    assert found and all(inside(box, Rect(105, 0, 105, 148.5)) for box in found)
