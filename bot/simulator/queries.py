"""What the simulator shows: residents (cases with an address), the messages they received
and sent, and the caseworker tasks their case has — read-only queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.channels import PHONE_CHANNELS, is_phone_channel
from store.models import Case, Inbound, Outbox, Signal, SimulatedMessage, Task, table_of

cases_t = table_of(Case)
signals_t = table_of(Signal)
outbox_t = table_of(Outbox)
inbound_t = table_of(Inbound)
tasks_t = table_of(Task)
sim_t = table_of(SimulatedMessage)

LIST_LIMIT = 100  # a demo has a handful; a big database must not turn this page into a dump


@dataclass(frozen=True)
class Line:
    """One message of a conversation: `out` to the resident, `in` from them."""

    at: datetime
    direction: str  # "out" | "in"
    channel: str
    text: str | None  # None: queued, not rendered yet
    message_key: str | None = None  # outgoing only
    status: str = ""  # outgoing: pending/sending/sent/delivered/held/failed; incoming: intent


@dataclass(frozen=True)
class TaskLine:
    kind: str
    status: str
    daypart: str | None
    due: datetime


@dataclass
class Resident:
    case_id: int
    state: str
    stage: str
    result: str | None
    phone: str | None  # full addresses: used to answer as the resident, never shown whole
    chat_id: str | None
    lines: list[Line] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)

    @property
    def received(self) -> list[Line]:
        return [line for line in self.lines if line.direction == "out"]


def _phone_of_case() -> Any:
    # A case not contacted yet has no contact_phone; the partner's number is what a reply
    # would come from (bot.inbound.find_case looks there too).
    return (
        select(func.min(signals_t.c.phone))
        .where(signals_t.c.case_id == cases_t.c.id, signals_t.c.phone.is_not(None))
        .scalar_subquery()
    )


def _case_query() -> Any:
    signal_phone = _phone_of_case()
    return select(
        cases_t.c.id,
        cases_t.c.state,
        cases_t.c.stage,
        cases_t.c.result,
        func.coalesce(cases_t.c.contact_phone, signal_phone).label("phone"),
        cases_t.c.telegram_chat_id,
    )


async def residents(conn: AsyncConnection, limit: int = LIST_LIMIT) -> list[Resident]:
    """Cases that can be reached by SMS or chat, oldest first, with their conversations."""
    query = _case_query().order_by(cases_t.c.id).limit(limit)
    rows = (await conn.execute(query)).all()
    found = [
        Resident(r.id, r.state, r.stage, r.result, r.phone, r.telegram_chat_id)
        for r in rows
        if r.phone or r.telegram_chat_id
    ]
    await _fill(conn, found)
    return found


async def resident(conn: AsyncConnection, case_id: int) -> Resident | None:
    row = (await conn.execute(_case_query().where(cases_t.c.id == case_id))).one_or_none()
    if row is None:
        return None
    found = Resident(row.id, row.state, row.stage, row.result, row.phone, row.telegram_chat_id)
    await _fill(conn, [found])
    return found


def reply_address(found: Resident, channel: str) -> str | None:
    """The address a reply from this resident on `channel` comes from."""
    return found.phone if is_phone_channel(channel) else found.chat_id


async def _fill(conn: AsyncConnection, found: list[Resident]) -> None:
    if not found:
        return
    by_id = {r.case_id: r for r in found}
    ids = list(by_id)
    sent = await conn.execute(
        select(
            outbox_t.c.case_id,
            outbox_t.c.channel,
            outbox_t.c.message_key,
            outbox_t.c.status,
            func.coalesce(sim_t.c.text, outbox_t.c.text).label("text"),
            func.coalesce(sim_t.c.sent_at, outbox_t.c.sent_at, outbox_t.c.created_at).label("at"),
        )
        .select_from(
            outbox_t.outerjoin(sim_t, sim_t.c.idempotency_key == outbox_t.c.idempotency_key)
        )
        .where(outbox_t.c.case_id.in_(ids))
    )
    for m in sent:
        by_id[m.case_id].lines.append(Line(m.at, "out", m.channel, m.text, m.message_key, m.status))
    # What they sent: linked to the case, or from one of its addresses before it was linked.
    addresses = [
        and_(inbound_t.c.channel.in_(sorted(PHONE_CHANNELS)), inbound_t.c.sender == r.phone)
        for r in found
        if r.phone
    ] + [
        and_(inbound_t.c.channel == "telegram", inbound_t.c.sender == r.chat_id)
        for r in found
        if r.chat_id
    ]
    received = await conn.execute(
        select(
            inbound_t.c.case_id,
            inbound_t.c.channel,
            inbound_t.c.sender,
            inbound_t.c.text,
            inbound_t.c.intent,
            inbound_t.c.received_at,
        ).where(or_(inbound_t.c.case_id.in_(ids), *addresses))
    )
    for i in received:
        owner = by_id.get(i.case_id) if i.case_id is not None else None
        if owner is None:
            owner = next((x for x in found if i.sender in (x.phone, x.chat_id)), None)
        if owner is not None:
            owner.lines.append(Line(i.received_at, "in", i.channel, i.text, None, i.intent or ""))
    tasks = await conn.execute(
        select(
            tasks_t.c.case_id, tasks_t.c.kind, tasks_t.c.status, tasks_t.c.daypart, tasks_t.c.due
        )
        .where(tasks_t.c.case_id.in_(ids))
        .order_by(tasks_t.c.id)
    )
    for t in tasks:
        by_id[t.case_id].tasks.append(TaskLine(t.kind, t.status, t.daypart, t.due))
    for r in found:
        # Newest last, as on a phone; a reply comes before the answer it got at the same moment.
        r.lines.sort(key=lambda line: (line.at, line.direction == "out"))
