"""Offering chat: a fresh link code for a case, sent by SMS (`chat.link_code`, never a link).

The code reaches the text through the outbox row's `values` ({code}, {bot}); the dispatcher
renders it like any placeholder, within contact hours and never to an opted-out number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.link_codes import CODE_TTL, issue_code, shown
from casework.optouts import opted_out_addresses
from casework.outbox import message_row, queue_message
from clock import Calendar
from store.models import Case, Signal, table_of

cases_t = table_of(Case)
signals_t = table_of(Signal)

KEY = "chat.link_code"


class CannotOffer(ValueError):
    """The case cannot be offered chat (unknown, no phone number, number opted out)."""


@dataclass(frozen=True)
class Offered:
    case_id: int
    outbox_id: int
    code: str  # for the SMS only: never print or log it
    expires_at: datetime


async def offer_chat(
    conn: AsyncConnection,
    case_id: int,
    now: datetime,
    *,
    secret_key: str,
    bot_name: str,
    calendar: Calendar,
) -> Offered:
    if not bot_name.strip():
        raise CannotOffer("config [telegram] bot_name is empty: residents need it to find the bot")
    row = (
        await conn.execute(
            select(cases_t.c.contact_phone, cases_t.c.locale).where(cases_t.c.id == case_id)
        )
    ).first()
    if row is None:
        raise CannotOffer(f"no case {case_id}")
    # Not contacted yet, the number is still only on the partner's signal.
    phone = row.contact_phone or await conn.scalar(
        select(signals_t.c.phone)
        .where(signals_t.c.case_id == case_id, signals_t.c.phone.is_not(None))
        .order_by(signals_t.c.id.desc())
        .limit(1)
    )
    if not phone:
        raise CannotOffer(f"case {case_id} has no phone number to send the code to")
    if await opted_out_addresses(conn, [phone]):
        raise CannotOffer(f"case {case_id}: the phone number opted out of messages")
    code = await issue_code(conn, case_id, now, secret_key)
    message = message_row(
        idempotency_key=f"{case_id}:link_code:{uuid.uuid4().hex[:16]}",
        case_id=case_id,
        channel="sms",
        to_address=phone,
        locale=row.locale,
        message_key=KEY,
        values={"code": shown(code), "bot": bot_name.strip()},
        not_before=calendar.next_contact_slot(now),
        now=now,
    )
    outbox_id = await queue_message(conn, message)
    assert outbox_id is not None
    return Offered(case_id, int(outbox_id), code, now + CODE_TTL)
