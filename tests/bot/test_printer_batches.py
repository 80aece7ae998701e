"""A batch as the printer gets it, from stored cases (SQLite and PostgreSQL): the name and
address in the window, Dutch first and the resident's reviewed language after it (Arabic
here), and never a translation that still needs review."""

from __future__ import annotations

import asyncio
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import polib
import pypdf
import pytest

from app.settings import Settings
from bot.printer.batches import PostSettings, make_batch
from clock import Calendar
from messages import build, catalog
from store.engine import make_engine
from tests.conftest import Cli

HEADER = (
    "id,signaalpartner,bedrag,signaaldatum,voorletters,achternaam,straatnaam,huisnummer,"
    "postcode,plaatsnaam,telefoonnummer,crisissignaal,taal\n"
)
ARABIC = "A-1,Huur,640,2026-10-20,S.,Haddad,Kerkstraat,12,3512CD,Utrecht,,nee,ar"


@pytest.fixture
def reviewed_arabic(tmp_path: Path) -> Iterator[Path]:
    """The shipped catalogues with the Arabic letter texts marked as reviewed."""
    copy = tmp_path / "locales"
    shutil.copytree(catalog.DEFAULT_LOCALES_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    po_path = copy / "ar" / "LC_MESSAGES" / "zaadje.po"
    po = polib.pofile(str(po_path))
    for entry in po:
        if (entry.msgctxt or "").startswith(("letter.", "card.")) and "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save(str(po_path))
    build.compile_all(copy)
    catalog.configure(locales_dir=copy)
    try:
        yield copy
    finally:
        catalog.configure(locales_dir=catalog.DEFAULT_LOCALES_DIR)
        catalog.clear_cache()


def batch_text(cli: Cli, folder: Path) -> list[str]:
    path = folder / "signals.csv"
    path.write_text(HEADER + ARABIC + "\n", encoding="utf-8")
    cli.json("ingest", str(path), "--now", "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    settings = Settings(database_url=cli.db)
    post = PostSettings.from_config(settings.config)

    async def make() -> bytes:
        engine = make_engine(cli.db)
        try:
            now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
            made = await make_batch(engine, post, Calendar(), date(2026, 11, 2), now, "t", 10)
            assert made is not None and made.letters == 1
            return made.pdf
        finally:
            await engine.dispose()

    reader = pypdf.PdfReader(io.BytesIO(asyncio.run(make())))
    return [page.extract_text() for page in reader.pages]


def test_a_reviewed_translation_is_printed_after_the_dutch(
    cli: Cli, tmp_path: Path, reviewed_arabic: Path
) -> None:
    pages = batch_text(cli, tmp_path)
    text = "\n".join(pages)
    assert "S. Haddad" in pages[0] and "Kerkstraat 12" in pages[0] and "UTRECHT" in pages[0]
    dutch = text.index("Beste S. Haddad")
    arabic = next(i for i, ch in enumerate(text) if "\u0600" <= ch <= "\u06ff")
    assert dutch < arabic  # Dutch first, the resident's language after it
    assert "640" not in text and "Huur" not in text  # no amount, no creditor


def test_a_translation_that_needs_review_is_not_printed(cli: Cli, tmp_path: Path) -> None:
    text = "\n".join(batch_text(cli, tmp_path))  # the shipped Arabic is not reviewed yet
    assert "Beste S. Haddad" in text
    assert not any("\u0600" <= ch <= "\u06ff" for ch in text)
