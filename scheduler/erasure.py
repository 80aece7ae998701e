"""Erasing residents' personal data, table by table, as `store/personal.py` prescribes.

Used by the purge pass (retention) and by `zaadje erase` (a data-subject request). What is
erased is driven by the registry, so a table added later is erased as soon as it is classified
there. The anonymous skeleton stays: ids, dates, statuses, amounts, results.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    String,
    Table,
    and_,
    cast,
    delete,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from casework.apply import apply_events
from casework.rules import CaseRules
from flows.events import Erased
from signals.waiting import WAITING
from store.models import Case, Signal, table_of
from store.personal import PSEUDONYM_PREFIX, REGISTRY, Erase, TableRule, hashed_address
from store.queries import member_of
from store.schema import metadata

cases_t = table_of(Case)
signals_t = table_of(Signal)

CHUNK = 500  # ids per statement: keeps parameter lists well inside every driver's limits


@dataclass
class Target:
    """Whose data to erase: their cases, signals that opened no case, and their addresses."""

    case_ids: set[int] = field(default_factory=set)
    signal_ids: set[int] = field(default_factory=set)
    # Phone numbers (E.164) and Telegram chat ids, as they appear in address columns.
    addresses: set[str] = field(default_factory=set)
    # Values to look for in free JSON/text (rejected rows, raw updates): numbers and e-mails.
    numbers: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def empty(self) -> bool:
        return not (self.case_ids or self.signal_ids or self.addresses)


# -- finding a resident ---------------------------------------------------------------------
async def expand(conn: AsyncConnection, target: Target) -> Target:
    """Everything that belongs to the cases and signals found: every signal of each case,
    and every phone number, chat id, BSN and e-mail they carry."""
    signal_rows: list[Any] = []
    for chunk in _chunks(target.case_ids):
        signal_rows += await conn.execute(
            select(signals_t).where(member_of(signals_t.c.case_id, "ids", conn)), {"ids": chunk}
        )
    for chunk in _chunks(target.signal_ids):
        signal_rows += await conn.execute(
            select(signals_t).where(member_of(signals_t.c.id, "ids", conn)), {"ids": chunk}
        )
    out = Target(
        set(target.case_ids),
        set(target.signal_ids),
        set(target.addresses),
        set(target.numbers),
        set(target.emails),
    )
    for row in signal_rows:
        out.signal_ids.add(row.id)
        if row.phone:
            out.addresses.add(row.phone)
        if row.bsn:
            out.numbers.add(row.bsn)
        if row.email:
            out.emails.add(row.email.lower())
    for chunk in _chunks(out.case_ids):
        rows = await conn.execute(
            select(cases_t.c.contact_phone, cases_t.c.telegram_chat_id).where(
                member_of(cases_t.c.id, "ids", conn)
            ),
            {"ids": chunk},
        )
        for phone, chat in rows:
            out.addresses.update(a for a in (phone, chat) if a)
    out.numbers.update(_digits(a) for a in out.addresses if _digits(a))
    return out


# -- erasing --------------------------------------------------------------------------------
async def erase(
    conn: AsyncConnection, rules: CaseRules, target: Target, now: datetime, scan: bool = True
) -> Counter[str]:
    """Erase everything of `target` (already expanded); rows changed per table.

    `scan` reads free text and JSON (rejected rows, raw updates) for the resident's numbers
    and e-mails: needed for a data-subject request, while the purge leaves those rows to
    their own, shorter, period instead of reading whole tables for every batch."""
    counts: Counter[str] = Counter()
    households = await _erase_signals(conn, target, now, counts)
    await _close_cases(conn, rules, target.case_ids, now, counts)
    addresses = sorted(target.addresses)
    opt_out_addresses = addresses + [f"telegram:{a}" for a in addresses]
    for name, rule in REGISTRY.items():
        table = metadata.tables.get(name)
        if table is None or name in ("signals", "households"):
            continue
        if rule.case_column and target.case_ids:
            column = table.c[rule.case_column]
            for chunk in _chunks(target.case_ids):
                condition = member_of(column, "ids", conn)
                counts[name] += await _scrub(conn, table, rule, condition, {"ids": chunk})
        for column_name in rule.address_columns:
            column = table.c[column_name]
            if rule.personal.get(column_name) is Erase.HASH:
                for chunk in _chunks(opt_out_addresses):
                    counts[name] += await _hash(conn, table, column, chunk)
            elif addresses:
                for chunk in _chunks(addresses):
                    counts[name] += await _scrub_addressed(conn, table, rule, column, chunk)
        if scan and rule.scan_columns and (target.numbers or target.emails):
            counts[name] += await _scan(conn, table, rule, target)
    await _erase_households(conn, households, counts)
    return +counts


async def erase_aged(conn: AsyncConnection, cutoff: datetime) -> Counter[str]:
    """Rows that belong to no case (a stranger's message, a rejected row, a raw update),
    older than `cutoff`."""
    counts: Counter[str] = Counter()
    for name, rule in REGISTRY.items():
        table = metadata.tables.get(name)
        if table is None or rule.aged_by is None:
            continue
        condition = _older_than(table, rule.aged_by, cutoff)
        if rule.case_column:
            condition = and_(condition, table.c[rule.case_column].is_(None))
        if not rule.delete_rows:
            condition = and_(condition, _not_erased(table, rule))
        counts[name] += await _scrub(conn, table, rule, condition, {})
    return +counts


async def _erase_signals(
    conn: AsyncConnection, target: Target, now: datetime, counts: Counter[str]
) -> set[int]:
    rule = REGISTRY["signals"]
    households: set[int] = set()
    lines: dict[int, set[int]] = {}  # the signals' lines per ingest run
    for chunk in _chunks(target.signal_ids):
        rows = await conn.execute(
            select(
                signals_t.c.household_id, signals_t.c.ingest_run_id, signals_t.c.source_line
            ).where(member_of(signals_t.c.id, "ids", conn)),
            {"ids": chunk},
        )
        for household, run, line in rows:
            if household is not None:  # None: a signal still waiting for its address
                households.add(household)
            if run is not None and line is not None:
                lines.setdefault(run, set()).add(line)
        result = await conn.execute(
            update(signals_t)
            .where(member_of(signals_t.c.id, "ids", conn))
            .values(**_erased_values(signals_t, rule), erased_at=now),
            {"ids": chunk},
        )
        counts["signals"] += result.rowcount
    await _erase_row_warnings(conn, lines, counts)
    return households


async def _erase_row_warnings(
    conn: AsyncConnection, lines: dict[int, set[int]], counts: Counter[str]
) -> None:
    """The intake's warnings about the signals' own lines. A warning quotes the value it
    dropped (a broken e-mail address, an impossible birth date): a value that is on no signal,
    so no search for the resident's numbers finds it; only the run and line tie it to them."""
    table = metadata.tables["ingest_issues"]
    rule = REGISTRY["ingest_issues"]
    for run, run_lines in sorted(lines.items()):
        for chunk in _chunks(run_lines):
            condition = and_(table.c.ingest_run_id == run, member_of(table.c.line, "v", conn))
            counts["ingest_issues"] += await _scrub(
                conn, table, rule, and_(condition, _not_erased(table, rule)), {"v": chunk}
            )


async def _close_cases(
    conn: AsyncConnection,
    rules: CaseRules,
    case_ids: set[int],
    now: datetime,
    counts: Counter[str],
) -> None:
    """Stop the work in flight for the cases and mark them erased; an open case closes
    (without a result) through casework, as every change of a case does: the engine hears
    `Erased`, so that a late event (a delivery report, a task outcome) finds it closed."""
    outbox = metadata.tables["outbox"]
    tasks = metadata.tables["tasks"]
    for chunk in _chunks(case_ids):
        # Work in flight for an erased case would reach an erased address: stop it.
        result = await conn.execute(
            update(outbox)
            .where(
                member_of(outbox.c.case_id, "ids", conn),
                or_(
                    outbox.c.status.in_(("pending", "sending", "held")),
                    # A letter in a print batch not yet posted: it must not be posted now.
                    and_(outbox.c.channel == "letter", outbox.c.status == "sent"),
                ),
            )
            .values(status="cancelled"),
            {"ids": chunk},
        )
        counts["outbox cancelled"] += result.rowcount
        # A print batch not yet posted holds the resident's name and address in its PDF.
        items = metadata.tables["letter_batch_items"]
        batches = metadata.tables["letter_batches"]
        holding = (
            select(items.c.batch_id)
            .join(outbox, outbox.c.id == items.c.outbox_id)
            .where(member_of(outbox.c.case_id, "ids", conn))
        )
        result = await conn.execute(
            update(batches)
            .where(batches.c.id.in_(holding), batches.c.pdf.is_not(None))
            .values(pdf=None),
            {"ids": chunk},
        )
        counts["letter_batches"] += result.rowcount
        result = await conn.execute(
            update(tasks)
            .where(member_of(tasks.c.case_id, "ids", conn), tasks.c.status.in_(("open", "claimed")))
            .values(status="cancelled", completed_at=now),
            {"ids": chunk},
        )
        counts["tasks cancelled"] += result.rowcount
        open_cases = await conn.scalars(
            select(cases_t.c.id).where(
                member_of(cases_t.c.id, "ids", conn),
                # A case waiting for its address closes too: it must never get one now.
                cases_t.c.state.in_(("open", WAITING)),
            ),
            {"ids": chunk},
        )
        await apply_events(conn, [(cid, Erased()) for cid in open_cases], now, rules)
        await conn.execute(
            update(cases_t).where(member_of(cases_t.c.id, "ids", conn)).values(erased_at=now),
            {"ids": chunk},
        )


async def _erase_households(
    conn: AsyncConnection, household_ids: set[int], counts: Counter[str]
) -> None:
    """An address goes once none of its signals keeps personal data (a neighbour's case at
    the same address may still be running)."""
    table = metadata.tables["households"]
    rule = REGISTRY["households"]
    for chunk in _chunks(household_ids):
        still_used = (
            select(signals_t.c.id)
            .where(signals_t.c.household_id == table.c.id, signals_t.c.erased_at.is_(None))
            .exists()
        )
        counts["households"] += await _scrub(
            conn, table, rule, and_(member_of(table.c.id, "v", conn), ~still_used), {"v": chunk}
        )


async def _scrub(
    conn: AsyncConnection,
    table: Table,
    rule: TableRule,
    condition: ColumnElement[bool],
    params: dict[str, Any],
) -> int:
    if rule.delete_rows:
        result = await conn.execute(delete(table).where(condition), params)
    else:
        changes = _erased_values(table, rule)
        if not changes:
            return 0
        result = await conn.execute(update(table).where(condition).values(**changes), params)
    return int(result.rowcount or 0)


async def _scrub_addressed(
    conn: AsyncConnection,
    table: Table,
    rule: TableRule,
    column: Column[Any],
    addresses: list[str],
) -> int:
    """Rows sent to or from the resident's address that belong to no case (those of the
    erased cases went with their case). Another case of theirs that is still running keeps
    its rows: a pending message must keep its address until that case is erased too."""
    condition = member_of(column, "v", conn)
    if rule.case_column is None:
        return await _scrub(conn, table, rule, condition, {"v": addresses})
    case_column = table.c[rule.case_column]
    condition = and_(condition, case_column.is_(None))
    return await _scrub(conn, table, rule, condition, {"v": addresses})


async def _hash(
    conn: AsyncConnection, table: Table, column: Column[Any], addresses: list[str]
) -> int:
    """Replace an address by its hash; the row itself stays (an opt-out keeps protecting)."""
    if not addresses:
        return 0
    present = [
        a
        for (a,) in await conn.execute(
            select(column).where(member_of(column, "v", conn)), {"v": addresses}
        )
    ]
    changed = 0
    for address in present:
        hashed = hashed_address(address)
        if await conn.scalar(select(column).where(column == hashed)) is not None:
            await conn.execute(delete(table).where(column == address))
        else:
            await conn.execute(update(table).where(column == address).values({column.name: hashed}))
        changed += 1
    return changed


async def _scan(conn: AsyncConnection, table: Table, rule: TableRule, target: Target) -> int:
    """Free text and JSON: erase the rows in which one of the resident's values appears."""
    key = next(iter(table.primary_key.columns))
    columns = [table.c[name] for name in rule.scan_columns]
    hits: list[Any] = []
    rows = await conn.stream(select(key, *columns))
    async for row in rows:
        text = " ".join(_as_text(value) for value in row[1:])
        if contains_any(text, target.numbers, target.emails):
            hits.append(row[0])
    changed = 0
    for chunk in _chunks(hits):
        changed += await _scrub(conn, table, rule, member_of(key, "v", conn), {"v": chunk})
    return changed


# -- values ---------------------------------------------------------------------------------
def _erased_values(table: Table, rule: TableRule) -> dict[str, Any]:
    key = next(iter(table.primary_key.columns))
    values: dict[str, Any] = {}
    for name, how in rule.personal.items():
        column = table.c[name]
        if how is Erase.NULL:
            # SQL NULL, also in JSON columns (where None would store the JSON text 'null').
            values[name] = null()
        elif how is Erase.BLANK:
            values[name] = {} if isinstance(column.type, JSON) else ""
        elif how is Erase.PSEUDONYM:
            values[name] = literal(PSEUDONYM_PREFIX) + cast(key, String)
        # HASH columns change only through _hash: their row is found by its address.
    return values


def _not_erased(table: Table, rule: TableRule) -> ColumnElement[bool]:
    """Rows that still hold something to erase: the daily purge leaves the rest alone."""
    conditions: list[ColumnElement[bool]] = []
    for name, how in rule.personal.items():
        column = table.c[name]
        if how is Erase.NULL and isinstance(column.type, JSON):
            conditions.append(and_(column.is_not(None), cast(column, String) != "null"))
        elif how is Erase.NULL:
            conditions.append(column.is_not(None))
        elif how is Erase.BLANK and isinstance(column.type, JSON):
            conditions.append(cast(column, String) != "{}")
        elif how is Erase.BLANK:
            conditions.append(column != "")
        elif how is Erase.PSEUDONYM:
            conditions.append(~column.startswith(PSEUDONYM_PREFIX))
    return or_(*conditions) if conditions else literal(True) == literal(True)


def _older_than(table: Table, aged_by: str, cutoff: datetime) -> ColumnElement[bool]:
    if "." not in aged_by:
        return table.c[aged_by] < cutoff
    other_name, column_name = aged_by.split(".")
    other = metadata.tables[other_name]
    fk = next(fk for fk in table.foreign_keys if fk.column.table is other)
    old = select(fk.column).where(other.c[column_name] < cutoff)
    return fk.parent.in_(old)


_NUMBER = re.compile(r"\+?\d[\d \-().]*\d|\d")


def contains_any(text: str, numbers: Iterable[str], emails: Iterable[str]) -> bool:
    """Whether `text` holds one of the numbers (a phone number in any usual spelling, a BSN,
    a chat id: compared as whole numbers, never as a part of a longer one) or e-mails."""
    wanted = {n for n in numbers if n}
    if wanted:
        for token in _NUMBER.findall(text):
            if _number_forms(token) & wanted:
                return True
    lowered = text.lower()
    return any(email and email in lowered for email in emails)


def _number_forms(token: str) -> set[str]:
    digits = _digits(token)
    forms = {digits}
    if digits.startswith("0031"):
        forms.add("31" + digits[4:])
    elif digits.startswith("0") and len(digits) == 10:
        forms.add("31" + digits[1:])  # a Dutch national number: 06… is +316…
    return forms


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    items = sorted(values)
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
