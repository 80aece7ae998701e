"""Residents with every kind of personal data, and a reader of every table for their traces."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.engine import make_engine
from store.schema import metadata
from tests.conftest import Cli, run_sync

HEADER = (
    "id,signaalpartner,bedrag,signaaldatum,bsn,voorletters,achternaam,geboortedatum,"
    "straatnaam,huisnummer,postcode,plaatsnaam,telefoonnummer,email\n"
)


@dataclass(frozen=True)
class Resident:
    key: str
    partner: str
    bsn: str
    initials: str
    surname: str
    birth: str
    street: str
    number: str
    postcode: str
    city: str
    phone: str  # as the partner writes it
    e164: str
    email: str

    def row(
        self,
        signal_id: str,
        amount: str = "640",
        partner: str | None = None,
        day: str = "2026-10-20",
    ) -> str:
        return ",".join(
            [
                signal_id,
                partner or self.partner,
                amount,
                day,
                self.bsn,
                self.initials,
                self.surname,
                self.birth,
                self.street,
                self.number,
                self.postcode,
                self.city,
                self.phone,
                self.email,
            ]
        )

    def traces(self) -> list[str]:
        """What must be gone after erasure: every value that identifies them."""
        national = "0" + self.e164[3:]
        return [
            self.bsn,
            self.surname,
            self.birth,
            self.street,
            self.postcode,
            self.city,
            self.e164,
            national,
            self.phone,
            self.email,
        ]


# Elfproef-valid BSNs; distinctive names so that a hit can only be this resident.
ANNA = Resident(
    "A", "Huur", "111222333", "Q.X.", "Zwartbroek", "1980-05-17", "Lindelaan", "12",
    "1111AA", "Appelscha", "06-11111111", "+31611111111", "q.zwartbroek@example.org",
)  # fmt: skip
BART = Resident(
    "B", "Energie", "123456782", "B.", "Vlasbloem", "1975-02-03", "Kastanjelaan", "7",
    "2222BB", "Bolsward", "06 22222222", "+31622222222", "b.vlasbloem@example.org",
)  # fmt: skip
CARLA = Resident(
    "C", "Water", "555555562", "C.", "Ruigrok", "1990-09-09", "Eikenlaan", "3",
    "3333CC", "Dokkum", "0633333333", "+31633333333", "c.ruigrok@example.org",
)  # fmt: skip
DIRK = Resident(
    "D", "Zorg", "100000009", "D.", "Heemskerk", "1966-06-06", "Berkenlaan", "4",
    "4444DD", "Franeker", "06-44444444", "+31644444444", "d.heemskerk@example.org",
)  # fmt: skip


def signal_file(tmp: Path, rows: Iterable[str]) -> Path:
    """A new CSV file of `rows` (as `Resident.row` writes them) in `tmp`."""
    path = tmp / f"signals-{len(list(tmp.glob('signals-*')))}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def ingest(cli: Cli, tmp: Path, rows: Iterable[str], now: str) -> dict[str, Any]:
    return cli.json("ingest", str(signal_file(tmp, rows)), "--now", now)


def every_cell(db: str) -> list[tuple[str, str, str]]:
    """(table, column, text) for every cell of every table in the metadata, JSON as text."""

    async def read() -> list[tuple[str, str, str]]:
        cells: list[tuple[str, str, str]] = []
        engine = make_engine(db)
        try:
            async with engine.connect() as conn:
                for table in metadata.sorted_tables:
                    for row in await conn.execute(select(table)):
                        for column, value in zip(table.columns, row, strict=True):
                            if value is not None:
                                cells.append((table.name, column.name, _text(value)))
        finally:
            await engine.dispose()
        return cells

    return run_sync(read)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def found(db: str, values: Iterable[str]) -> list[tuple[str, str, str]]:
    """Cells in which any of `values` appears (case-insensitive)."""
    wanted = [v.lower() for v in values if v]
    return [
        (table, column, value)
        for table, column, value in every_cell(db)
        if any(w in value.lower() for w in wanted)
    ]


def skeleton(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """The anonymous facts the monitor counts (non-personal columns only)."""

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        s, c, a = (metadata.tables[n] for n in ("signals", "cases", "contact_attempts"))
        engine = make_engine(db)
        try:
            async with engine.connect() as conn:
                signals = await conn.execute(
                    select(
                        s.c.id, s.c.partner_type, s.c.amount_cents, s.c.signal_date,
                        s.c.pattern, s.c.status, s.c.suppressed_reason, s.c.case_id,
                        s.c.received_at, s.c.household_id,
                    )
                )  # fmt: skip
                cases = await conn.execute(
                    select(c.c.id, c.c.household_id, c.c.opened_at, c.c.result, c.c.crisis)
                )
                attempts = await conn.execute(
                    select(a.c.case_id, a.c.soort, a.c.bereikt, a.c.datum, a.c.dagdeel)
                )
                return {
                    "signals": sorted(tuple(r) for r in signals),
                    "cases": sorted(tuple(r) for r in cases),
                    "attempts": sorted(tuple(r) for r in attempts),
                }
        finally:
            await engine.dispose()

    return run_sync(read)


def monitor(cli: Cli, start: str, end: str, now: str) -> Any:
    return cli.json("monitor", "--from", start, "--to", end, "--now", now)
