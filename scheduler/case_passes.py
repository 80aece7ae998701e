"""The shape the case passes share: claim due cases page by page, clear what made them due,
and hand the engine one event per case — all in one transaction per page.

Claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so two workers take different cases; a
crash rolls the page's claim back and its cases come due again; an event applied twice is
harmless, because the engine compares versions and keys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, update

from casework.apply import Applied, apply_events
from flows.events import Event
from scheduler.context import Context
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


async def apply_due(
    ctx: Context,
    now: datetime,
    due: Select[Any],
    cleared: dict[str, Any],
    event_of: Callable[[Any], Event],
) -> Applied:
    """`due` selects the cases (with `id` and what `event_of` reads), in a stable order;
    `cleared` are the column values that make a case no longer due."""
    total = Applied()
    page = ctx.settings.batch_size
    while True:
        async with ctx.engine.begin() as conn:
            rows = list(await conn.execute(due.limit(page).with_for_update(skip_locked=True)))
            if not rows:
                return total
            await conn.execute(
                update(cases_t).where(member_of(cases_t.c.id, "ids", conn)).values(**cleared),
                {"ids": [r.id for r in rows]},
            )
            events = [(int(r.id), event_of(r)) for r in rows]
            total.add(await apply_events(conn, events, now, ctx.rules))
        if len(rows) < page:
            return total
