"""The caseworkers' work queue: live tasks by priority, then due, filtered, paged by keyset.

Keyset paging (the last row's priority, due and id) keeps every page as cheap as the first
with 100,000 open tasks, and a task claimed meanwhile does not shift the next page. The
order is served by the partial index `ix_tasks_queue` (store/desk_models.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import Case, Household, Task, table_of

tasks_t = table_of(Task)
cases_t = table_of(Case)
households_t = table_of(Household)

KINDS = ("phone", "callback", "home_visit", "review")
PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_AREA = re.compile(r"^\d{4}$")


class QueueError(ValueError):
    """A filter or page marker that makes no sense (shown to the user, status 400)."""


@dataclass(frozen=True)
class Filters:
    mine: bool = False
    unclaimed: bool = False
    overdue: bool = False
    kind: str | None = None
    area: str | None = None  # the four digits of a postcode

    @classmethod
    def parse(cls, query: Any) -> Filters:
        kind = (query.get("kind") or "").strip() or None
        if kind is not None and kind not in KINDS:
            raise QueueError(f"unknown task kind {kind!r}; one of: {', '.join(KINDS)}")
        area = (query.get("area") or "").strip().upper().replace(" ", "") or None
        if area is not None:
            area = area[:4] if len(area) == 6 else area  # a whole postcode: its area
            if not _AREA.match(area):
                raise QueueError(f"postcode area {area!r}: give the four digits, e.g. 3511")
        return cls(
            mine=query.get("mine") == "1",
            unclaimed=query.get("unclaimed") == "1",
            overdue=query.get("overdue") == "1",
            kind=kind,
            area=area,
        )

    def query(self) -> dict[str, str]:
        out = {}
        for name in ("mine", "unclaimed", "overdue"):
            if getattr(self, name):
                out[name] = "1"
        if self.kind:
            out["kind"] = self.kind
        if self.area:
            out["area"] = self.area
        return out


@dataclass(frozen=True)
class Cursor:
    priority: int
    due: datetime
    id: int

    def encode(self) -> str:
        micros = (self.due - EPOCH) // timedelta(microseconds=1)  # exact, unlike a float
        return f"{self.priority}_{micros}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            priority, micros, task_id = (int(part) for part in text.split("_"))
            due = EPOCH + timedelta(microseconds=micros)
            # Beyond the columns' ranges the database driver fails (a 500), not the query.
            if not (-(2**31) <= priority < 2**31 and 0 <= task_id < 2**63):
                raise ValueError("out of range")
        except (ValueError, OverflowError, OSError) as exc:
            raise QueueError(f"not a page marker: {text!r}") from exc
        return cls(priority, due, task_id)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next: Cursor | None


async def queue_page(
    conn: AsyncConnection,
    user: str,
    filters: Filters,
    now: datetime,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    query = (
        select(
            tasks_t.c.id,
            tasks_t.c.case_id,
            tasks_t.c.kind,
            tasks_t.c.reason,
            tasks_t.c.status,
            tasks_t.c.priority,
            tasks_t.c.due,
            tasks_t.c.not_before,
            tasks_t.c.daypart,
            tasks_t.c.claimed_by,
            households_t.c.postcode,
            cases_t.c.crisis,
            cases_t.c.deadline,
        )
        .join(cases_t, cases_t.c.id == tasks_t.c.case_id)
        # Outer: a case waiting for its address has no household (its review task asks for it).
        .outerjoin(households_t, households_t.c.id == cases_t.c.household_id)
        # Spelled exactly as the partial index's predicate, so the planner can use it.
        .where(tasks_t.c.status.in_(("open", "claimed")))
        .order_by(tasks_t.c.priority.desc(), tasks_t.c.due, tasks_t.c.id)
        .limit(limit + 1)
    )
    if filters.mine:
        query = query.where(tasks_t.c.status == "claimed", tasks_t.c.claimed_by == user)
    if filters.unclaimed:
        query = query.where(tasks_t.c.status == "open")
    if filters.overdue:
        query = query.where(tasks_t.c.due < now)
    if filters.kind:
        query = query.where(tasks_t.c.kind == filters.kind)
    if filters.area:
        # Postcodes are stored normalised (1234AB): a range, which any index can serve.
        query = query.where(
            households_t.c.postcode.between(f"{filters.area}AA", f"{filters.area}ZZ")
        )
    if after is not None:
        query = query.where(
            or_(
                tasks_t.c.priority < after.priority,
                and_(tasks_t.c.priority == after.priority, tasks_t.c.due > after.due),
                and_(
                    tasks_t.c.priority == after.priority,
                    tasks_t.c.due == after.due,
                    tasks_t.c.id > after.id,
                ),
            )
        )
    rows = [dict(r._mapping) for r in await conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row["overdue"] = row["due"] < now
        postcode = row.pop("postcode")
        row["area"] = postcode[:4] if postcode else None
        row["waiting"] = row["not_before"] is not None and row["not_before"] > now
    last = rows[-1] if rows and more else None
    return Page(rows, Cursor(last["priority"], last["due"], last["id"]) if last else None)
