"""Fixtures for the messages tests: a scratch copy of the shipped catalogues to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import polib
import pytest

from messages import catalog

SHIPPED = catalog.DEFAULT_LOCALES_DIR

Edit = Callable[..., None]


@pytest.fixture(autouse=True)
def _fresh_catalogues() -> Iterator[None]:
    catalog.configure(fallbacks=(), locales_dir=SHIPPED, override_dir="")
    yield
    catalog.configure(fallbacks=(), locales_dir=SHIPPED, override_dir="")


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the shipped .po files (no .mo) that a test may break."""
    dest = tmp_path / "locales"
    shutil.copytree(SHIPPED, dest, ignore=shutil.ignore_patterns("*.mo"))
    return dest


def _edit(
    locales_dir: Path,
    locale: str,
    key: str,
    text: str | list[str] | None = None,
    *,
    fuzzy: bool | None = None,
    remove: bool = False,
) -> None:
    path = catalog.po_path(locales_dir, locale)
    po = polib.pofile(str(path))
    entry = next(e for e in po if e.msgctxt == key)
    if remove:
        po.remove(entry)
    if isinstance(text, list):
        entry.msgstr_plural = dict(enumerate(text))
    elif text is not None:
        entry.msgstr = text
    if fuzzy is True and "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    if fuzzy is False and "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    po.save(str(path))
    catalog.clear_cache()


@pytest.fixture
def edit() -> Edit:
    """edit(locales_dir, locale, key, text=None, fuzzy=None, remove=False) changes one entry."""
    return _edit
