"""Reading cases back for people: the prioritised list with its reasons, scored at `now`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from signals.priority import CaseSignal, score
from signals.settings import IntakeSettings
from signals.storing import SCORED
from store.models import Case, Household, Signal, table_of
from store.queries import member_of

cases_t = table_of(Case)
signals_t = table_of(Signal)
households_t = table_of(Household)


UNKNOWN_ADDRESS = "adres onbekend"


def address_label(postcode: str | None, huisnummer: str | None, toevoeging: str | None) -> str:
    if postcode is None or huisnummer is None:
        return UNKNOWN_ADDRESS  # a case waiting for a caseworker to complete its address
    return f"{postcode} {huisnummer}{'-' + toevoeging if toevoeging else ''}"


async def list_cases(
    conn: AsyncConnection,
    now: datetime,
    settings: IntakeSettings,
    state: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Cases, highest priority first. Open cases are re-scored at `now` (waiting time,
    contract countdown), so the list is as fresh as the moment it is asked for."""
    query = (
        select(
            cases_t,
            households_t.c.postcode,
            households_t.c.huisnummer,
            households_t.c.toevoeging,
        )
        # Outer: a case waiting for its address has no household yet.
        .outerjoin(households_t, households_t.c.id == cases_t.c.household_id)
        .order_by(cases_t.c.priority.desc(), cases_t.c.id)
    )
    if state:
        query = query.where(cases_t.c.state == state)
    rows = (await conn.execute(query)).mappings().all()
    ids = [r["id"] for r in rows]
    members: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    sig_query = (
        select(signals_t.c.case_id, signals_t.c.partner_signal_id, *SCORED)
        .where(member_of(signals_t.c.case_id, "ids", conn))
        .order_by(signals_t.c.id)
    )
    for start in range(0, len(ids), 2000):
        for row in await conn.execute(sig_query, {"ids": ids[start : start + 2000]}):
            members[row[0]].append(tuple(row))
    calendar = settings.calendar
    today = calendar.local_date(now)
    out = []
    for r in rows:
        sigs = members.get(r["id"], [])
        priority, reasons, parts = r["priority"], list(r["reasons"] or []), None
        if r["state"] == "open" and sigs:
            result = score(
                [
                    CaseSignal(s[2], s[3] or "", s[4], s[5], s[6], s[7], s[8], s[9], s[10])
                    for s in sigs
                ],
                calendar.local_date(r["opened_at"]),
                today,
                settings.priority_rules,
                calendar,
            )
            priority, reasons, parts = result.priority, result.reasons, result.parts
        out.append(
            {
                "id": r["id"],
                "household": r["household_id"],
                "address": address_label(r["postcode"], r["huisnummer"], r["toevoeging"]),
                "priority": priority,
                "reasons": reasons,
                "score": [{"reason": k, "points": v} for k, v in parts] if parts else None,
                "state": r["state"],
                "locale": r["locale"],
                "signals": [s[1] for s in sigs],
                "signal_details": [
                    {"id": s[1], "partner": s[2], "signal_date": s[5].isoformat(), "pattern": s[10]}
                    for s in sigs
                ],
                "partners": sorted({s[2] for s in sigs}),
                "crisis": r["crisis"],
                "deadline": r["deadline"].isoformat() if r["deadline"] else None,
                "opened_at": r["opened_at"].isoformat(),
                "result": r["result"],
            }
        )
    out.sort(key=lambda c: (-c["priority"], c["id"]))
    return out[:limit] if limit else out
