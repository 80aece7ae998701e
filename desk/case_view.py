"""Everything the case page shows, read in one go: household, signals, tasks, one timeline.

Names, contact details, partners and amounts appear here (and only here: never in a queue
or a message), which is why every view of this page is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.optouts import opt_out_address, opted_out_addresses
from clock import Calendar
from store.models import (
    Case,
    ContactAttempt,
    Household,
    Inbound,
    Outbox,
    Signal,
    Task,
    table_of,
)

cases_t = table_of(Case)
households_t = table_of(Household)
signals_t = table_of(Signal)
tasks_t = table_of(Task)
outbox_t = table_of(Outbox)
inbound_t = table_of(Inbound)
attempts_t = table_of(ContactAttempt)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    kind: str  # out / in / attempt / task
    # The message key of a text sent, the DDAS contactsoort of an attempt (a Dutch code),
    # the task kind of a review; empty for a message received. Internal words (channel,
    # status, intent, kind) are shown through desk/labels.py.
    title: str
    body: str | None = None  # the text sent or received, or the caseworker's note
    channel: str | None = None  # of a message sent or received
    status: str | None = None  # an outgoing message's status
    intent: str | None = None  # what an incoming message meant
    reached: bool | None = None
    daypart: str | None = None
    result: str | None = None  # DDAS EnumEindresultaat
    who: str | None = None
    date_only: bool = False  # an SMS attempt has a date but no time of its own


@dataclass
class CaseView:
    case: dict[str, Any]
    household: dict[str, Any] | None  # None while the address is unknown
    people: list[str]  # empty when no signal carried a name: "de bewoners"
    bsn: str | None  # shown only while the address is unknown: the way to look it up
    contact: dict[str, Any]
    signals: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    timeline: list[Entry]
    opted_out: bool


def _person(row: Any) -> str:
    parts = [row.initials, row.prefix, row.surname]
    return " ".join(p for p in parts if p)


async def load_case(conn: AsyncConnection, case_id: int, calendar: Calendar) -> CaseView | None:
    case = (await conn.execute(select(cases_t).where(cases_t.c.id == case_id))).first()
    if case is None:
        return None
    household = (
        await conn.execute(select(households_t).where(households_t.c.id == case.household_id))
    ).first()  # None while the case waits for its address
    signals = (
        await conn.execute(
            select(signals_t).where(signals_t.c.case_id == case_id).order_by(signals_t.c.id)
        )
    ).all()
    tasks = (
        await conn.execute(
            select(tasks_t).where(tasks_t.c.case_id == case_id).order_by(tasks_t.c.id)
        )
    ).all()
    outbox = (
        await conn.execute(
            select(outbox_t).where(outbox_t.c.case_id == case_id).order_by(outbox_t.c.id)
        )
    ).all()
    inbound = (
        await conn.execute(
            select(inbound_t).where(inbound_t.c.case_id == case_id).order_by(inbound_t.c.id)
        )
    ).all()
    attempts = (
        await conn.execute(
            select(attempts_t).where(attempts_t.c.case_id == case_id).order_by(attempts_t.c.id)
        )
    ).all()
    # The dispatcher's own check: an address, or its hash once the resident was erased.
    addresses = [
        opt_out_address(channel, address)
        for channel, address in (("sms", case.contact_phone), ("telegram", case.telegram_chat_id))
        if address
    ]
    opted_out = bool(await opted_out_addresses(conn, addresses))

    latest = signals[-1] if signals else None
    street = ""
    if latest is not None:
        street = " ".join(
            p for p in (latest.street, latest.huisnummer, latest.toevoeging) if p
        ).strip()
    view = CaseView(
        case=dict(case._mapping),
        household=(
            {
                "street": street or f"{household.huisnummer}{household.toevoeging}",
                "postcode": household.postcode,
                "city": latest.city if latest is not None else None,
            }
            if household is not None
            else None
        ),
        people=sorted({_person(s) for s in signals if s.surname}),
        bsn=next((s.bsn for s in signals if s.bsn), None) if household is None else None,
        contact={
            "phone": case.contact_phone,
            "telegram": case.telegram_chat_id,
            "email": next((s.email for s in reversed(signals) if s.email), None),
        },
        signals=[dict(s._mapping) for s in signals],
        tasks=[dict(t._mapping) for t in tasks],
        timeline=_timeline(outbox, inbound, attempts, tasks, calendar),
        opted_out=opted_out,
    )
    return view


def _timeline(
    outbox: Sequence[Any],
    inbound: Sequence[Any],
    attempts: Sequence[Any],
    tasks: Sequence[Any],
    calendar: Calendar,
) -> list[Entry]:
    entries: list[Entry] = []
    for m in outbox:
        entries.append(
            Entry(
                m.sent_at or m.created_at,
                "out",
                m.message_key,
                m.text,
                channel=m.channel,
                # WhatsApp's read receipt: the resident opened it (only ever after delivered).
                status="read"
                if m.status == "delivered" and m.provider_status == "read"
                else m.status,
            )
        )
    for m in inbound:
        entries.append(Entry(m.received_at, "in", "", m.text, channel=m.channel, intent=m.intent))
    done_tasks = {t.ref: t for t in tasks if t.completed_at is not None}
    for a in attempts:
        task = done_tasks.get(a.ref)
        # A caseworker's attempt keeps its exact moment; others (an SMS) only have a date.
        at = task.completed_at if task is not None else calendar.at(a.datum, _NOON)
        outcome = (task.outcome or {}) if task is not None else {}
        entries.append(
            Entry(
                at,
                "attempt",
                a.soort,
                outcome.get("note"),
                reached=a.bereikt,
                daypart=a.dagdeel,
                result=outcome.get("result"),
                who=task.claimed_by if task is not None else None,
                date_only=task is None,
            )
        )
    attempt_refs = {a.ref for a in attempts}
    for t in tasks:
        if t.completed_at is not None and t.ref not in attempt_refs and t.status == "done":
            # A review task's outcome: no DDAS attempt, still part of the story.
            outcome = t.outcome or {}
            entries.append(
                Entry(
                    t.completed_at,
                    "task",
                    t.kind,
                    outcome.get("note"),
                    reached=outcome.get("reached"),
                    result=outcome.get("result"),
                    who=t.claimed_by,
                )
            )
    entries.sort(key=lambda e: e.at)
    return entries


_NOON = datetime.min.time().replace(hour=12)
