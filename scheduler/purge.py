"""The purge pass: retention. Personal data goes when its period is over; the figures stay.

Per outcome (`[retention]`, see scheduler/retention.py):
- signals that opened no case (suppressed), `suppressed_signal_months` after they came in;
- cases closed without help, `without_help_months` after closing;
- every other closed case, `closed_case_months` after closing;
- rows that belong to no case (a stranger's text, a rejected row's raw values, a raw provider
  update), `raw_input_months` after they were stored.

"Erased" means what `store/personal.py` says per column: the anonymous skeleton (ids, dates,
partner type, pattern, status, amounts, results, contact attempts) stays, so the monitor's
figures for past periods do not change. Each run that erased something is logged in
`erasures` with the case ids and counts, never the values.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.context import Context
from scheduler.erasure import Target, erase, erase_aged, expand
from scheduler.locks import try_pass_lock
from scheduler.retention import RetentionPolicy
from store.erasure_lock import lock_for_erasure
from store.erasure_models import Erasure
from store.models import Case, Signal, table_of

cases_t = table_of(Case)
signals_t = table_of(Signal)
erasures_t = table_of(Erasure)

SUPPRESSED = "retention: suppressed signals"
WITHOUT_HELP = "retention: cases closed without help"
CLOSED = "retention: closed cases"
RAW_INPUT = "retention: input of no case"


async def purge(ctx: Context, now: datetime) -> dict[str, Any]:
    """Erase whatever is due at `now` under `ctx.retention`. A summary per rule: cases,
    signals and rows changed per table."""
    policy = ctx.retention
    summary: dict[str, Any] = {}
    batch = ctx.settings.batch_size
    for reason in (SUPPRESSED, WITHOUT_HELP, CLOSED):
        cases = signals = 0
        tables: Counter[str] = Counter()
        while True:
            # One batch per transaction: a long purge never holds many rows locked at once.
            async with ctx.engine.begin() as conn:
                if not await try_pass_lock(conn, "purge"):
                    return summary  # another worker is purging right now
                await lock_for_erasure(conn)
                target = await _due(conn, reason, now, policy, batch)
                if target.empty():
                    break
                full = await expand(conn, target)
                counts = await erase(conn, ctx.rules, full, now, scan=False)
                await log_erasure(conn, now, "purge", reason, None, full, counts)
            cases += len(full.case_ids)
            signals += len(full.signal_ids)
            tables.update(counts)
        if cases or signals:
            summary[reason] = {"cases": cases, "signals": signals, "rows": dict(tables)}
    async with ctx.engine.begin() as conn:
        if not await try_pass_lock(conn, "purge"):
            return summary
        aged = await erase_aged(conn, policy.cutoff(now, policy.raw_input_months))
        if aged:
            await log_erasure(conn, now, "purge", RAW_INPUT, None, Target(), aged)
            summary[RAW_INPUT] = {"cases": 0, "signals": 0, "rows": dict(aged)}
    return summary


async def _due(
    conn: AsyncConnection, reason: str, now: datetime, policy: RetentionPolicy, limit: int
) -> Target:
    if reason == SUPPRESSED:
        cutoff = policy.cutoff(now, policy.suppressed_signal_months)
        rows = await conn.execute(
            select(signals_t.c.id)
            .where(
                signals_t.c.case_id.is_(None),
                signals_t.c.erased_at.is_(None),
                signals_t.c.received_at < cutoff,
            )
            .order_by(signals_t.c.id)
            .limit(limit)
        )
        return Target(signal_ids={i for (i,) in rows})
    helped = cases_t.c.result.in_(policy.help_results)
    if reason == WITHOUT_HELP:
        months, which = policy.without_help_months, or_(cases_t.c.result.is_(None), ~helped)
    else:
        months, which = policy.closed_case_months, helped
    rows = await conn.execute(
        select(cases_t.c.id)
        .where(
            cases_t.c.state == "closed",
            # Never erased, or re-opened by a new signal after it was (and closed again).
            or_(cases_t.c.erased_at.is_(None), cases_t.c.erased_at < cases_t.c.closed_at),
            cases_t.c.closed_at < policy.cutoff(now, months),
            which,
        )
        .order_by(cases_t.c.id)
        .limit(limit)
    )
    return Target(case_ids={i for (i,) in rows})


async def log_erasure(
    conn: AsyncConnection,
    now: datetime,
    kind: str,
    reason: str,
    requested_by: str | None,
    target: Target,
    counts: Counter[str],
) -> None:
    """The audit trail: which cases, how many signals and rows; no personal value."""
    await conn.execute(
        erasures_t.insert().values(
            at=now,
            kind=kind,
            reason=reason,
            requested_by=requested_by,
            case_ids=sorted(target.case_ids),
            signals=len(target.signal_ids),
            counts=dict(counts),
        )
    )
