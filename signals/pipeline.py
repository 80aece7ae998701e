"""PostgreSQL intake with two connections: batch n's writes overlap batch n+1's lookups."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from signals import pgbulk
from signals.batching import Batch
from signals.patterns import MEERVOUDIG, Decision, Known, decide, months_back
from signals.priority import CaseSignal
from signals.records import (
    CASE_COLUMNS,
    SIGNAL_COLUMNS,
    SUPPORTED_LOCALES,
    case_signal,
    count_decision,
    score_case,
    signal_record,
)
from signals.settings import IntakeSettings, analyze_due
from signals.storing import not_stored, reopen_recent, store_issues
from signals.summary import Summary, new_counts, take_issues
from signals.validate import ParsedSignal

# --- PostgreSQL: batch n's writes overlap batch n+1's lookups and decisions -------------------
#
# Each batch still commits in its own transaction, in file order: batch n+1 runs on the other of
# two connections and commits only after batch n has. While batch n's COPY, UPDATEs and commit
# are in flight, batch n+1 reads (on its own connection) what was committed up to batch n-1 and
# adds what batch n wrote from an in-memory overlay: the keys it took, the household ids it
# used, its signals (with the ids it gave them) and the open case of every household it touched.


@dataclass
class _Overlay:
    """What a batch wrote that the next batch's connection cannot see before it commits."""

    keys: set[tuple[str, str]]
    hh_ids: dict[str, int]
    history: dict[int, list[Known]]
    case_for: dict[int, int]
    # Its signals that count for a case, in id order: (id, case id, as scoring sees it).
    case_signals: list[tuple[int, int, CaseSignal]]
    marked: set[int]  # stored signals it made meervoudig
    opened: set[int]  # cases it opened
    # Households it created: nothing stored refers to them but what it wrote itself.
    created: set[int]


@dataclass
class _Prepared:
    batch: Batch
    counts: dict[str, Any]
    case_records: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    retro: list[int] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    overlay: _Overlay | None = None


PG_SIGNAL_COLUMNS = ("id", *SIGNAL_COLUMNS)
_DATE_AND_LINE = attrgetter("signal_date", "line")


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
        overlay: _Overlay | None = None
        number = 0
        turn = 0
        try:
            async for batch in batches:
                take_issues(summary, batch)
                number += 1
                if not batch.signals and not batch.issues:
                    if pending is not None:
                        await pending
                        pending = None
                    overlay = None
                    if progress:
                        progress(len(batch))
                    continue
                analyze = analyze_due(number)
                if analyze and pending is not None:
                    # The statistics are to include the batch before, as they always did.
                    await pending
                    pending, overlay = None, None
                conn = conns[turn % 2]
                turn += 1
                trans = await conn.begin()
                try:
                    pg = await pgbulk.driver(conn)
                    if analyze:
                        # Nothing else keeps the planner's statistics current on a server
                        # without autovacuum (as CI's is): with a table's size unknown or far
                        # out of date, even index plans pick the wrong index (every open
                        # case, or every signal of a partner type, read and filtered).
                        await pgbulk.analyze(pg)
                    prepared = await _prepare_pg(conn, pg, batch, run_id, now, settings, overlay)
                    if pending is not None:
                        await pending  # batch n commits before batch n+1 writes anything more
                        pending = None
                except BaseException:
                    await trans.rollback()
                    raise
                overlay = prepared.overlay
                pending = asyncio.create_task(
                    _write_pg(conn, trans, pg, prepared, run_id, now, settings, summary, progress)
                )
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
    prev: _Overlay | None,
) -> _Prepared:
    """Lookups and decisions of a batch; the only writes are new households and reopenings."""
    counts = new_counts()
    prepared = _Prepared(batch, counts)
    if not batch.signals:
        return prepared
    by_type: dict[str, set[str]] = defaultdict(set)
    for s in batch.signals:
        by_type[s.partner_type].add(s.partner_signal_id)
    existing: set[tuple[str, str]] = set()
    for partner_type, ids in by_type.items():
        for signal_id in await pgbulk.existing_ids(pg, partner_type, sorted(ids)):
            existing.add((partner_type, signal_id))
    if prev is not None:
        existing |= prev.keys
    fresh = not_stored(batch.signals, existing, counts)
    if not fresh:
        return prepared

    wanted = {s.address_key: s for s in fresh}
    hh_ids: dict[str, int] = {}
    # Households created by this batch or the one in flight have no stored signals or cases
    # of their own yet: asking for them would only cost the lookups (half of all, first time).
    created: set[int] = set() if prev is None else set(prev.created)
    keys = []
    for k in sorted(wanted):
        if prev is not None and k in prev.hh_ids:
            hh_ids[k] = prev.hh_ids[k]
        else:
            keys.append(k)
    if keys:
        found = dict(await pgbulk.household_ids(pg, keys))
        missing = [k for k in keys if k not in found]
        if missing:
            new_hh = [(k, *wanted[k].address) for k in missing]
            inserted = await pgbulk.insert_households(pg, new_hh, now)
            created.update(hh for _, hh in inserted)
            found.update(inserted)
            if len(found) < len(keys):  # another intake took some in meanwhile
                taken = [k for k in missing if k not in found]
                found.update(await pgbulk.household_ids(pg, taken))
        hh_ids.update(found)

    since = months_back(min(s.signal_date for s in fresh), settings.lookback_months)
    households = sorted(set(hh_ids.values()))
    history: dict[int, list[Known]] = defaultdict(list)
    stored = [hh for hh in households if hh not in created]
    for ref, hh, ptype, pname, sdate, amount, pattern in await pgbulk.history(pg, stored, since):
        history[hh].append(Known(ref, (ptype, pname or ""), sdate, amount, pattern))
    if prev is not None:
        for hh in households:
            theirs = prev.history.get(hh)
            if theirs:
                # Taken in after everything stored: their ids are higher, so they come last.
                history[hh].extend(
                    Known(k.ref, k.partner, k.signal_date, k.amount_cents, k.pattern)
                    for k in theirs
                    if k.signal_date >= since
                )

    decisions: list[tuple[ParsedSignal, int, Decision, Known]] = []
    retro: set[int] = set()
    lookback, minimum = settings.lookback_months, settings.minimum_cents
    for s in sorted(fresh, key=_DATE_AND_LINE):
        hh = hh_ids[s.address_key]
        partner = (s.partner_type, s.partner_name or "")
        known = history[hh]
        decision = decide(known, partner, s.signal_date, s.amount_cents, minimum, lookback)
        retro.update(decision.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, decision.pattern)
        known.append(mine)
        decisions.append((s, hh, decision, mine))
    counts["households"].update(hh for _, hh, _, _ in decisions)
    # Made once all are decided: a later signal may still have made an earlier one meervoudig.
    counting = [
        None if d.suppressed_reason else case_signal(s, d, mine) for s, _, d, mine in decisions
    ]

    case_for, opened_now = await _assign_cases_pg(
        conn, pg, decisions, counting, now, settings, counts, prepared, prev, created
    )
    signal_ids = await pgbulk.next_signal_ids(pg, len(decisions))

    rows = prepared.rows
    warned = batch.warned_lines
    theirs_next: dict[int, list[Known]] = defaultdict(list)
    for sid, (s, hh, d, mine) in zip(signal_ids, decisions, strict=True):
        count_decision(s, d, warned, counts)
        theirs_next[hh].append(
            Known(sid, mine.partner, mine.signal_date, mine.amount_cents, mine.pattern)
        )
        rows.append((sid, *signal_record(s, hh, d, mine, case_for.get(hh), run_id, now)))
    prepared.retro = sorted(retro)
    mine_for_cases = [
        (sid, case_for[hh], cs)
        for sid, (_, hh, _, _), cs in zip(signal_ids, decisions, counting, strict=True)
        if cs is not None and hh in case_for
    ]
    prepared.scores = await _rescore_pg(
        pg,
        sorted(set(case_for.values()) - opened_now),
        mine_for_cases,
        retro,
        prev,
        now,
        settings,
    )
    prepared.overlay = _Overlay(
        {(s.partner_type, s.partner_signal_id) for s in fresh},
        hh_ids,
        dict(theirs_next),
        case_for,
        mine_for_cases,
        retro,
        opened_now,
        created - prev.created if prev is not None else created,
    )
    return prepared


async def _rescore_pg(
    pg: Any,
    case_ids: list[int],
    mine: list[tuple[int, int, CaseSignal]],
    retro: set[int],
    prev: _Overlay | None,
    now: datetime,
    settings: IntakeSettings,
) -> list[dict[str, Any]]:
    """As `rescore_cases`, computed before the batch's signals are written.

    The case's signals are those stored (committed up to the batch before the one in flight),
    then the in-flight batch's, then this batch's own — the order of their ids — with the
    patterns the in-flight batch and this one turn into meervoudig.
    """
    if not case_ids:
        return []
    calendar = settings.calendar
    today = calendar.local_date(now)
    marked = retro if prev is None else retro | prev.marked
    members: dict[int, list[CaseSignal]] = defaultdict(list)
    # A case the batch in flight opened has only that batch's signals, which it passed on.
    stored = case_ids if prev is None else [cid for cid in case_ids if cid not in prev.opened]
    for row in await pgbulk.case_signals_with_ids(pg, stored):
        sid, cid, ptype, pname, amount, sdate, crisis, warm, contract_end, grew, pattern = row
        if sid in marked:
            pattern = MEERVOUDIG
        members[cid].append(
            CaseSignal(ptype, pname or "", amount, sdate, crisis, warm, contract_end, grew, pattern)
        )
    wanted = set(case_ids)
    if prev is not None:
        for sid, cid, cs in prev.case_signals:
            if cid in wanted:
                if sid in marked and cs.pattern != MEERVOUDIG:
                    cs = cs._replace(pattern=MEERVOUDIG)
                members[cid].append(cs)
    for _, cid, cs in mine:
        if cid in wanted:
            members[cid].append(cs)
    opened: dict[int, date] = {}
    for cid, opened_at in await pgbulk.case_opened(pg, stored):
        opened[cid] = calendar.local_date(opened_at)
    if prev is not None:
        for cid in wanted & prev.opened:
            opened[cid] = today  # opened at `now` by the batch in flight
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
    prev: _Overlay | None,
    created: set[int],
) -> tuple[dict[int, int], set[int]]:
    """As `assign_cases`, with the new cases' rows left in `prepared` for the write phase;
    `created` households are known to have no case, open or closed."""
    wanting = sorted({hh for _, hh, d, _ in decisions if not d.suppressed_reason})
    case_for: dict[int, int] = {}
    ask = wanting
    if prev is not None:
        case_for = {hh: prev.case_for[hh] for hh in wanting if hh in prev.case_for}
        ask = [hh for hh in wanting if hh not in case_for]
    ask = [hh for hh in ask if hh not in created]
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
    conn: AsyncConnection,
    trans: AsyncTransaction,
    pg: Any,
    prepared: _Prepared,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
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
        await store_issues(conn, batch, run_id)
        await trans.commit()
    except BaseException:
        await trans.rollback()
        raise
    summary.add(counts)
    if progress:
        progress(len(batch))
