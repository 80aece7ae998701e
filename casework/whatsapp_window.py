"""WhatsApp's customer-service window: free text only within 24 hours of the resident's own
last WhatsApp message; outside it, a business may write only with an approved template."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.rules import TextRoute
from store.models import Inbound, table_of
from store.queries import member_of

inbound_t = table_of(Inbound)
WINDOW = timedelta(hours=24)


async def open_windows(
    conn: AsyncConnection, numbers: Iterable[str], at: datetime
) -> dict[str, datetime]:
    """For each number whose window is open at `at`: when it closes."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = await conn.execute(
        select(inbound_t.c.sender, func.max(inbound_t.c.received_at).label("last"))
        .where(
            inbound_t.c.channel == "whatsapp",
            member_of(inbound_t.c.sender, "numbers", conn),
            inbound_t.c.received_at > at - WINDOW,
        )
        .group_by(inbound_t.c.sender),
        {"numbers": wanted},
    )
    return {r.sender: r.last + WINDOW for r in rows}


async def text_channel(
    conn: AsyncConnection,
    route: TextRoute,
    phone: str,
    key: str,
    locale: str,
    sms_only: bool,
    goes_out: datetime,
) -> str:
    """The channel of one text to a phone number: WhatsApp with a template, or as free text
    while the window is open when it goes out; else SMS (`TextRoute`)."""
    if not route.whatsapp_first or sms_only:
        return "sms"
    if route.has_template(key, locale):
        return "whatsapp"
    closes = (await open_windows(conn, [phone], goes_out)).get(phone)
    return "whatsapp" if closes is not None and closes > goes_out else "sms"
