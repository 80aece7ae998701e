"""A message its channel could not take goes by SMS instead, at once and exactly once.

WhatsApp refuses some messages for reasons that are not the resident's doing: the number is
not on WhatsApp, the 24-hour window closed, no approved template, our sender suspended. The
message then goes by SMS in the same or the next dispatch pass, never a day later, and it is
not a failed contact attempt: the ladder does not hear of it.

The outbox row *is* the message (its idempotency key is what the flow engine waits on), so
the row itself moves to SMS and is sent again from `pending`; what happened on the first
channel is kept as a row of its own (`<key>~whatsapp`, status `rerouted`, carrying the
provider's id), so the case's timeline shows it and a late status report for it still finds
it, without ever settling the message. When the number cannot get the channel at all
(`reroute == "case"`), the case keeps SMS for its later steps (`cases.sms_only`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.channels import FALLBACK_CHANNEL, Reroute
from casework.outbox import outbox_t, queue_messages
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


@dataclass(frozen=True)
class Rerouted:
    row: Any  # the outbox row as claimed (or as settled by a delivery report)
    reason: str
    scope: Reroute
    provider_id: str | None = None  # the first channel's id for it, when it took it at first
    provider_status: str | None = None
    provider_error: str | None = None
    text: str | None = None  # as rendered for the first channel


def history_key(row: Any) -> str:
    return f"{row.idempotency_key}~{row.channel}"[:120]


async def reroute(conn: AsyncConnection, items: Sequence[Rerouted], now: datetime) -> int:
    """Move these rows to SMS (pending now) and keep what the first channel did. How many."""
    if not items:
        return 0
    history = [
        {
            "idempotency_key": history_key(i.row),
            "case_id": i.row.case_id,
            "channel": i.row.channel,
            "to_address": i.row.to_address,
            "locale": i.row.locale,
            "message_key": i.row.message_key,
            "values": dict(i.row.values or {}),
            "confirms_opt_out": i.row.confirms_opt_out,
            "status": "rerouted",
            "not_before": i.row.not_before,
            "attempts": i.row.attempts,
            "text": i.text,
            "provider_id": i.provider_id,
            "provider_status": i.provider_status,
            "provider_error": i.provider_error,
            "last_error": i.reason,
            "created_at": i.row.created_at,
            "sent_at": now if i.provider_id else None,
        }
        for i in items
    ]
    await queue_messages(conn, history)
    await conn.execute(
        update(outbox_t)
        .where(outbox_t.c.id == bindparam("oid"))
        .values(
            channel=FALLBACK_CHANNEL,
            status="pending",  # as due as it was: first in line for the next round
            attempts=0,
            lease_until=None,
            provider_id=None,
            provider_status=None,
            provider_error=None,
            provider_status_at=None,
            sent_at=None,
            delivered_at=None,
            sent_locale=None,
            segments=None,
            text=bindparam("kept_text"),
            last_error=bindparam("why"),
        ),
        [
            {
                "oid": i.row.id,
                # A caseworker's own words are the message; anything else is rendered anew.
                "kept_text": i.row.text if i.row.message_key == "desk.free_text" else None,
                "why": f"{i.reason}; sent by SMS instead",
            }
            for i in items
        ],
    )
    whole_case = sorted({i.row.case_id for i in items if i.scope == "case" and i.row.case_id})
    if whole_case:
        await conn.execute(
            update(cases_t).where(member_of(cases_t.c.id, "ids", conn)).values(sms_only=True),
            {"ids": whole_case},
        )
    return len(items)
