"""PostgreSQL intake with two connections: batch n's writes overlap batch n+1's lookups.

Measured against one batch at a time (200,000 rows, the same load): 28 s instead of 36, CPU
per row 108 instead of 136 µs (ingest + PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from signals import pgbulk
from signals.batching import Batch
from signals.patterns import MEERVOUDIG, Decision, Known, months_back
from signals.priority import CaseSignal
from signals.records import (
    CASE_COLUMNS,
    SIGNAL_COLUMNS,
    SUPPORTED_LOCALES,
    case_signal,
    count_decision,
    decide_in_order,
    score_case,
    signal_record,
)
from signals.settings import IntakeSettings, analyze_due
from signals.storing import not_stored, reopen_recent
from signals.summary import Summary, new_counts
from signals.validate import ParsedSignal

# --- PostgreSQL: batch n's writes overlap batch n+1's lookups and decisions -------------------
#
# Each batch still commits in its own transaction, in file order: batch n+1 runs on the other of
# two connections and commits only after batch n has. The batches hold disjoint households and
# a file's repeated ids were set apart before (signals/ordering.py), so batch n+1 needs nothing
# that batch n is still writing: what it reads of its own households is complete without it.


@dataclass
class _Prepared:
    batch: Batch
    counts: dict[str, Any]
    case_records: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    retro: list[int] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)


PG_SIGNAL_COLUMNS = ("id", *SIGNAL_COLUMNS)


async def ingest_pipelined(
    engine: AsyncEngine,
    batches: AsyncIterator[Batch],
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    async with AsyncExitStack() as stack:
        conns = [
            await stack.enter_async_context(engine.connect()),
            await stack.enter_async_context(engine.connect()),
        ]
        pending: asyncio.Task[None] | None = None
        number = 0
        turn = 0
        try:
            async for batch in batches:
                number += 1
                analyze = analyze_due(number)
                if analyze and pending is not None:
                    # The statistics are to include the batch before, as they always did.
                    await pending
                    pending = None
                conn = conns[turn % 2]
                turn += 1
                trans = await conn.begin()
                try:
                    pg = await pgbulk.driver(conn)
                    if analyze:
                        # Nothing else keeps the planner's statistics current on a server
                        # without autovacuum (as CI's is). Measured without (200,000 rows):
                        # the first run the same, but taking the file in again cost
                        # PostgreSQL 19 instead of 4 µs per row, its lookups planned blind.
                        await pgbulk.analyze(pg)
                    prepared = await _prepare_pg(conn, pg, batch, run_id, now, settings)
                    if pending is not None:
                        await pending  # batch n commits before batch n+1 writes anything more
                        pending = None
                except BaseException:
                    await trans.rollback()
                    raise
                pending = asyncio.create_task(_write_pg(trans, pg, prepared, summary, progress))
            if pending is not None:
                await pending
                pending = None
        finally:
            if pending is not None:
                # Storing failed further on: let the batch in flight commit or fail as it would.
                with suppress(Exception):
                    await pending


async def _prepare_pg(
    conn: AsyncConnection,
    pg: Any,
    batch: Batch,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
) -> _Prepared:
    """Lookups and decisions of a batch; the only writes are new households and reopenings."""
    counts = new_counts()
    prepared = _Prepared(batch, counts)
    by_type: dict[str, set[str]] = defaultdict(set)
    for s in batch.signals:
        by_type[s.partner_type].add(s.partner_signal_id)
    existing: set[tuple[str, str]] = set()
    for partner_type, ids in by_type.items():
        for signal_id in await pgbulk.existing_ids(pg, partner_type, sorted(ids)):
            existing.add((partner_type, signal_id))
    fresh = not_stored(batch.signals, existing, counts)
    if not fresh:
        return prepared

    wanted = {s.address_key: s for s in fresh}
    keys = sorted(wanted)
    hh_ids = dict(await pgbulk.household_ids(pg, keys))
    # Households created now have no stored signals or cases of their own: asking for them
    # would only cost the lookups (half of all, the first time a file comes in).
    created: set[int] = set()
    missing = [k for k in keys if k not in hh_ids]
    if missing:
        new_hh = [(k, *wanted[k].address) for k in missing]
        inserted = await pgbulk.insert_households(pg, new_hh, now)
        created.update(hh for _, hh in inserted)
        hh_ids.update(inserted)
        if len(hh_ids) < len(keys):  # another intake took some in meanwhile
            taken = [k for k in missing if k not in hh_ids]
            hh_ids.update(await pgbulk.household_ids(pg, taken))

    since = months_back(min(s.signal_date for s in fresh), settings.lookback_months)
    households = sorted(set(hh_ids.values()))
    history: dict[int, list[Known]] = defaultdict(list)
    stored = [hh for hh in households if hh not in created]
    for ref, hh, ptype, pname, sdate, amount, pattern in await pgbulk.history(pg, stored, since):
        history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))

    decisions, retro = decide_in_order(fresh, hh_ids, history, settings)
    counts["households"].update(hh for _, hh, _, _ in decisions)
    # Made once all are decided: a later signal may still have made an earlier one meervoudig.
    counting = [
        None if d.suppressed_reason else case_signal(s, d, mine) for s, _, d, mine in decisions
    ]

    case_for, opened_now = await _assign_cases_pg(
        conn, pg, decisions, counting, now, settings, counts, prepared, created
    )
    signal_ids = await pgbulk.next_signal_ids(pg, len(decisions))

    rows = prepared.rows
    warned = batch.warned_lines
    for sid, (s, hh, d, mine) in zip(signal_ids, decisions, strict=True):
        count_decision(s, d, warned, counts)
        rows.append((sid, *signal_record(s, hh, d, mine, case_for.get(hh), run_id, now)))
    prepared.retro = sorted(retro)
    mine_for_cases = [
        (case_for[hh], cs)
        for (_, hh, _, _), cs in zip(decisions, counting, strict=True)
        if cs is not None and hh in case_for
    ]
    prepared.scores = await _rescore_pg(
        pg, sorted(set(case_for.values()) - opened_now), mine_for_cases, retro, now, settings
    )
    return prepared


async def _rescore_pg(
    pg: Any,
    case_ids: list[int],
    mine: list[tuple[int, CaseSignal]],
    retro: set[int],
    now: datetime,
    settings: IntakeSettings,
) -> list[dict[str, Any]]:
    """As `rescore_cases`, computed before the batch's signals are written: the case's stored
    signals (with the patterns this batch turns into meervoudig), then the batch's own — the
    order of their ids."""
    if not case_ids:
        return []
    calendar = settings.calendar
    today = calendar.local_date(now)
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    for row in await pgbulk.case_signals_with_ids(pg, case_ids):
        sid, cid, ptype, pname, amount, sdate, crisis, warm, contract_end, grew, pattern = row
        if sid in retro:
            pattern = MEERVOUDIG
        members[cid].append(
            CaseSignal(ptype, pname or "", amount, sdate, crisis, warm, contract_end, grew, pattern)
        )
    wanted = set(case_ids)
    for cid, cs in mine:
        if cid in wanted:
            members[cid].append(cs)
    opened: dict[int, date] = {}
    for cid, opened_at in await pgbulk.case_opened(pg, case_ids):
        opened[cid] = calendar.local_date(opened_at)
    updates = []
    for cid in case_ids:
        signals = members.get(cid)
        if not signals:
            continue
        updates.append({"cid": cid, **score_case(signals, opened[cid], today, settings)})
    return updates


async def _assign_cases_pg(
    conn: AsyncConnection,
    pg: Any,
    decisions: list[tuple[ParsedSignal, int, Decision, Known]],
    counting: list[CaseSignal | None],
    now: datetime,
    settings: IntakeSettings,
    counts: dict[str, Any],
    prepared: _Prepared,
    created: set[int],
) -> tuple[dict[int, int], set[int]]:
    """As `assign_cases`, with the new cases' rows left in `prepared` for the write phase;
    `created` households are known to have no case, open or closed."""
    wanting = sorted({hh for _, hh, d, _ in decisions if not d.suppressed_reason})
    case_for: dict[int, int] = {}
    ask = [hh for hh in wanting if hh not in created]
    if ask:
        case_for.update(await pgbulk.open_cases(pg, ask))
    new = [hh for hh in wanting if hh not in case_for]
    closed_before = [hh for hh in new if hh not in created]
    if closed_before:
        reopened = await reopen_recent(conn, closed_before, now, settings)
        case_for.update(reopened)
        new = [hh for hh in new if hh not in reopened]
    counts["cases_updated"] += len(case_for)
    if not new:
        return case_for, set()
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    locale_of: dict[int, str] = {}
    for (s, hh, _, _), cs in zip(decisions, counting, strict=True):
        if cs is None or hh in case_for:
            continue
        members[hh].append(cs)
        if s.language in SUPPORTED_LOCALES and hh not in locale_of:
            locale_of[hh] = s.language
    today = settings.calendar.local_date(now)
    ids = await pgbulk.next_case_ids(pg, len(new))
    for cid, hh in zip(ids, new, strict=True):
        scored = score_case(members[hh], today, today, settings)
        prepared.case_records.append(
            (
                cid,
                hh,
                "open",
                scored["priority"],
                json.dumps(scored["reasons"]),  # as SQLAlchemy's JSON type stores it
                locale_of.get(hh, "nl"),
                scored["deadline"],
                scored["crisis"],
                now,
                1,
            )
        )
        case_for[hh] = cid
    counts["cases_opened"] += len(new)
    return case_for, set(ids)


async def _write_pg(
    trans: AsyncTransaction,
    pg: Any,
    prepared: _Prepared,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    batch, counts = prepared.batch, prepared.counts
    try:
        if prepared.case_records:
            await pgbulk.copy_rows(pg, "cases", CASE_COLUMNS, prepared.case_records)
        if prepared.rows:
            await pgbulk.copy_rows(pg, "signals", PG_SIGNAL_COLUMNS, prepared.rows)
        if prepared.retro:
            await pgbulk.mark_meervoudig(pg, prepared.retro)
        if prepared.scores:
            await pgbulk.update_scores(pg, prepared.scores)
        await trans.commit()
    except BaseException:
        await trans.rollback()
        raise
    summary.add(counts)
    if progress:
        progress(len(batch))
