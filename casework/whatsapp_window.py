"""WhatsApp's customer-service window: free text only within 24 hours of the resident's own
last WhatsApp message; outside it, a business may write only with an approved template."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

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


async def route_texts(
    conn: AsyncConnection,
    route: TextRoute,
    texts: Sequence[tuple[dict[str, Any], bool]],
    now: datetime,
) -> None:
    """Choose the channel of outbox rows queued for SMS (each with its case's `sms_only`):
    WhatsApp with an approved template, or as free text while the resident's window is still
    open when the row goes out (a reply may wait for contact hours); else SMS (`TextRoute`).
    The rows' `channel` is set in place; one query for all of them."""
    if not route.whatsapp_first:
        return
    free: list[dict[str, Any]] = []
    for row, sms_only in texts:
        if row["channel"] != "sms" or sms_only:
            continue
        if route.has_template(row["message_key"], row["locale"]):
            row["channel"] = "whatsapp"
        else:
            free.append(row)
    windows = await open_windows(conn, [r["to_address"] for r in free], now)
    for row in free:
        if windows.get(row["to_address"], now) > max(row["not_before"], now):
            row["channel"] = "whatsapp"
