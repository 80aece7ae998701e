"""Every message key with all its languages side by side, its translator note and open drafts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from desk.texts.changes import Change, pending
from messages import catalog, publish
from messages.keys import KEYS, Key


@dataclass(frozen=True)
class Cell:
    """One key in one language: the text as it stands and the draft waiting for approval."""

    entry: publish.Entry
    draft: Change | None
    rtl: bool


@dataclass(frozen=True)
class Row:
    key: Key
    cells: tuple[Cell, ...]  # in the order of Overview.locales

    @property
    def drafts(self) -> list[Change]:
        return [c.draft for c in self.cells if c.draft is not None]


@dataclass(frozen=True)
class Overview:
    locales: tuple[str, ...]
    rows: tuple[Row, ...]

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key.name == key)


def _read_catalogues(locales: list[str]) -> dict[str, dict[str, publish.Entry]]:
    return {locale: publish.catalogue_entries(locale) for locale in locales}


async def overview(engine: AsyncEngine, keys: tuple[Key, ...] = KEYS) -> Overview:
    locales = publish.known_locales()
    entries = await asyncio.to_thread(_read_catalogues, locales)  # file reads off the loop
    drafts = await pending(engine)
    rows = tuple(
        Row(
            key,
            tuple(
                Cell(
                    entries[locale][key.name],
                    drafts.get((key.name, locale)),
                    catalog.is_rtl(locale),
                )
                for locale in locales
            ),
        )
        for key in keys
    )
    return Overview(tuple(locales), rows)
