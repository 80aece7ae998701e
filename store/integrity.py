"""Proof that no intake row points nowhere (`zaadje db check`).

`signals` and `cases` carry no foreign keys (migration 0008: on PostgreSQL they cost a
trigger, a lookup and a row lock per stored row, the largest single part of a first ingest).
The intake is their only writer and takes every id from rows it has just found or created in
the same transaction; this check proves it, one anti-join per reference, and the intake
tests run it after every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import Case, Household, IngestRun, Signal, table_of

signals_t = table_of(Signal)
cases_t = table_of(Case)
households_t = table_of(Household)
runs_t = table_of(IngestRun)

# (table, column, referenced table): every reference the foreign keys used to guard.
REFERENCES: tuple[tuple[Table, str, Table], ...] = (
    (signals_t, "household_id", households_t),
    (signals_t, "case_id", cases_t),
    (signals_t, "ingest_run_id", runs_t),
    (cases_t, "household_id", households_t),
)
EXAMPLES = 10  # ids of offending rows named per reference


@dataclass(frozen=True)
class Dangling:
    table: str
    column: str
    references: str
    rows: int
    examples: list[int]

    def as_dict(self) -> dict[str, object]:
        return {
            "table": self.table,
            "column": self.column,
            "references": self.references,
            "rows": self.rows,
            "examples": self.examples,
        }


async def dangling_references(conn: AsyncConnection) -> list[Dangling]:
    """Rows whose reference is set but names no row of the referenced table."""
    found = []
    for table, name, target in REFERENCES:
        column: Column[int] = table.c[name]
        dangling = table.outerjoin(target, target.c.id == column)
        where = (column.is_not(None), target.c.id.is_(None))
        rows = (await conn.execute(select(func.count()).select_from(dangling).where(*where))).one()
        if rows[0]:
            # Counted in the database; only the first few named (there may be millions).
            first = select(table.c.id).select_from(dangling).where(*where)
            ids = (await conn.execute(first.order_by(table.c.id).limit(EXAMPLES))).scalars()
            found.append(Dangling(table.name, name, target.name, rows[0], list(ids)))
    return found
