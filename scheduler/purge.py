"""The purge pass: where retention rules will delete personal data of long-closed cases.

A placeholder for now (issue 4 asks for the slot, not the rules): it counts what would be
due under `[retention] closed_case_months` and deletes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from scheduler.context import Context
from store.models import Case


async def purge(ctx: Context, now: datetime, months: int) -> int:
    cutoff = now - timedelta(days=30 * months)
    async with ctx.engine.connect() as conn:
        due = await conn.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.state == "closed", Case.closed_at < cutoff)
        )
        await conn.rollback()
    return int(due or 0)
