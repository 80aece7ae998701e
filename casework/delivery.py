"""Delivery reports: a provider's view of a message only ever moves forward.

The provider's order for an outbound message is accepted/scheduled → queued → sending →
sent → delivered | undelivered | failed (| canceled) → read; the last ones are terminal.
Reports may arrive twice or out of order; a status that is not ahead of the one recorded
changes nothing. What a terminal status means for the resident is the channel's to say
(`Channel.receipt`, e.g. Twilio's error codes in `bot.twilio.errors`):
- delivered (or read): the outbox row becomes `delivered` and the flow hears `Delivered`;
- a failure the channel calls permanent: the flow hears `Failed(permanent=True)` (or `OptOut`
  when the resident blocked us) and the ladder moves on; any other failure is only recorded,
  and the ladder's own timers carry on (a reminder, then phone calls);
- a failure of the channel rather than the number (WhatsApp: not on WhatsApp, outside the
  24-hour window): the message goes by SMS at once (casework/reroute.py), the flow hears
  nothing.

The provider's view lives in `provider_status`/`provider_error`/`provider_status_at`, written
at once. The dispatcher's `status` column follows it only once the dispatcher has recorded the
hand-over (`sent`): a report that overtakes the dispatcher (row still `sending`, or its
provider id not written yet) is answered `WAITING`/`UNKNOWN`. The dispatcher settles such a
row itself in the transaction that records the hand-over (`settle_recorded`): a webhook's
retries live in memory only, and a stop or a crash in between must not leave the row `sent`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.apply import apply_events
from casework.channels import Channel
from casework.reroute import Rerouted, reroute
from casework.rules import CaseRules
from flows.events import Delivered, Event, Failed, OptOut
from store.models import Outbox, table_of
from store.queries import member_of

outbox_t = table_of(Outbox)

RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,  # after delivered only (WhatsApp/RCS); harmless for SMS
}
DEAD_ENDS = frozenset({"undelivered", "failed", "canceled"})
FINAL = frozenset({"delivered", "read", *DEAD_ENDS})


class StatusError(ValueError):
    """The callback names a status that outbound messages do not have."""


class Outcome(enum.Enum):
    RECORDED = "recorded"  # moved forward (and settled if terminal)
    STALE = "stale"  # a duplicate or an older status: nothing changed
    WAITING = "waiting"  # recorded, but the dispatcher has not recorded the hand-over yet
    UNKNOWN = "unknown"  # no outbox row carries this MessageSid (yet)


def is_forward(old: str | None, new: str) -> bool:
    if old is None or old not in RANK:
        return True
    if old in DEAD_ENDS:
        return False
    return RANK[new] > RANK[old]


async def record_status(
    engine: AsyncEngine,
    rules: CaseRules,
    channels: Mapping[str, Channel],
    sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> Outcome:
    """Record one callback (and settle the outbox row when it is terminal). Idempotent."""
    if status not in RANK:
        raise StatusError(f"MessageStatus {status!r} is not a status of an outbound message")
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(outbox_t).where(outbox_t.c.provider_id == sid).with_for_update()
            )
        ).first()
        if row is None:
            return Outcome.UNKNOWN
        moved = is_forward(row.provider_status, status)
        if moved:
            await conn.execute(
                update(outbox_t)
                .where(outbox_t.c.id == row.id)
                .values(provider_status=status, provider_error=error_code, provider_status_at=now)
            )
            provider_status, provider_error = status, error_code
        else:
            provider_status, provider_error = row.provider_status, row.provider_error
        if row.status == "sending":
            return Outcome.WAITING
        channel = channels[row.channel]
        settled = await _settle(conn, rules, channel, row, provider_status, provider_error, now)
    return Outcome.RECORDED if moved or settled else Outcome.STALE


async def settle_recorded(
    conn: AsyncConnection,
    rules: CaseRules,
    channels: Mapping[str, Channel],
    outbox_ids: list[int],
    now: datetime,
) -> int:
    """Settle rows just recorded as `sent` whose final status arrived before that record (in
    the recording transaction). How many were settled."""
    if not outbox_ids:
        return 0
    rows = (
        await conn.execute(
            select(outbox_t)
            .where(
                member_of(outbox_t.c.id, "ids", conn),
                outbox_t.c.status == "sent",
                outbox_t.c.provider_status.in_(sorted(FINAL)),
            )
            .with_for_update(),
            {"ids": outbox_ids},
        )
    ).all()
    for row in rows:
        channel = channels[row.channel]
        await _settle(conn, rules, channel, row, row.provider_status, row.provider_error, now)
    return len(rows)


async def _settle(
    conn: AsyncConnection,
    rules: CaseRules,
    channel: Channel,
    row: Any,
    provider_status: str,
    provider_error: str | None,
    now: datetime,
) -> bool:
    """Carry a terminal provider status over to the dispatcher's record, once."""
    if row.status != "sent" or provider_status not in FINAL:
        return False
    receipt = channel.receipt(provider_status, provider_error)
    if receipt.reroute is not None:
        rerouted = Rerouted(
            row,
            receipt.reason or provider_status,
            receipt.reroute,
            row.provider_id,
            provider_status,
            provider_error,
            row.text,
        )
        await reroute(conn, [rerouted], now)
        return True
    events: list[tuple[int, Event]] = []
    values: dict[str, Any] = {"status": receipt.status}
    if receipt.status == "delivered":
        values["delivered_at"] = now
        if row.case_id is not None:
            events.append((row.case_id, Delivered(row.idempotency_key)))
    else:
        values["last_error"] = receipt.reason
        if receipt.permanent and row.case_id is not None:
            event = OptOut() if receipt.opted_out else Failed(row.idempotency_key, True)
            events.append((row.case_id, event))
    await conn.execute(update(outbox_t).where(outbox_t.c.id == row.id).values(**values))
    if events:
        await apply_events(conn, events, now, rules)
    return True
