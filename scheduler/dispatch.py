"""The dispatch pass: claim due outbox rows, render, hand to the channel, record.

The guarantees, in the order they are checked for every message:
- never outside contact hours: nothing is claimed then, and a claimed message is sent only
  inside them;
- never after an opt-out: the global list is read again right before sending (only the one
  confirmation of a STOP goes through);
- never twice: a row is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL); a row
  whose lease ran out (its worker died) is first looked up at the channel by its idempotency
  key, and only sent when the channel does not have it;
- never lost: a temporary failure is retried with exponential backoff and jitter (honouring
  Retry-After); a permanent one moves the case to the next rung of its ladder;
- never stuck on a channel: a message WhatsApp cannot take (not on WhatsApp, window closed)
  goes by SMS in the next round of the same pass (casework/reroute.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.apply import Applied, apply_events
from casework.channels import Outgoing, PermanentFailure, Result, Sent, TemporaryFailure
from casework.delivery import settle_recorded
from casework.optouts import opt_out_address, opted_out_addresses
from casework.reroute import Rerouted, reroute
from flows.events import Delivered, Event, Failed, OptOut
from messages import MessageError, count_segments, render_detail
from scheduler.context import Context
from scheduler.ratelimit import RateLimiter
from store.models import Outbox, table_of
from store.queries import member_of

outbox_t = table_of(Outbox)


@dataclass
class DispatchResult:
    sent: int = 0
    held: int = 0
    failed: int = 0
    retried: int = 0
    rerouted: int = 0
    applied: Applied | None = None


MAX_BACKOFF_SECONDS = 3600.0  # an outage is waited out; retries never drift further apart

Clock = Callable[[], datetime]


def _limiter(ctx: Context, channel: str) -> RateLimiter:
    # One bucket per channel per process, kept on the context that owns the channels.
    if channel not in ctx.limiters:
        ctx.limiters[channel] = RateLimiter(ctx.rate_per_second.get(channel, 0.0))
    return ctx.limiters[channel]


def _never() -> bool:
    return False


async def dispatch(
    ctx: Context, clock: Clock, until_empty: bool = True, stopping: Callable[[], bool] = _never
) -> DispatchResult:
    """Send what is due, channel by channel, each batch as large as its rate limit allows.

    `clock` gives the moment for every claim and every hand-over: the real clock in a
    worker, a fixed moment for `zaadje tick --now`. Contact hours are checked against it
    before each claim and again right before each hand-over.

    `until_empty` goes round the channels again while a round claimed anything; `stopping`
    is asked after each round, so a stopping worker starts no further round.
    """
    result = DispatchResult(applied=Applied())
    while True:
        progressed = False
        for name in sorted(ctx.channels):
            if not ctx.calendar.in_contact_hours(clock()):
                return result  # held: every due message waits for the next contact slot
            limiter = _limiter(ctx, name)
            granted = await limiter.reserve(ctx.settings.batch_size)
            claimed = await _claim(ctx, clock(), name, granted)
            limiter.refund(granted - len(claimed))
            if claimed:
                progressed = True
                await _handle(ctx, clock, claimed, result)
        if not progressed or not until_empty or stopping():
            return result


async def _claim(ctx: Context, now: datetime, channel: str, limit: int) -> list[Any]:
    """Claim a batch: pick due rows (skipping rows another worker holds), lease them, and
    return them with the status they had, so recovered rows can be told from fresh ones."""
    lease = now + timedelta(seconds=ctx.settings.lease_seconds)
    due = or_(
        and_(outbox_t.c.status == "pending", outbox_t.c.not_before <= now),
        # A worker died holding these: recover them (looked up at the channel first).
        and_(outbox_t.c.status == "sending", outbox_t.c.lease_until < now),
    )
    if limit <= 0:
        return []
    picked = (
        select(outbox_t.c.id, outbox_t.c.status.label("old_status"))
        .where(due, outbox_t.c.channel == channel)
        .order_by(outbox_t.c.not_before, outbox_t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leased = {
        "status": "sending",
        "lease_until": lease,
        "claimed_by": ctx.worker_id,
        "attempts": outbox_t.c.attempts + 1,
    }
    async with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One statement: pick, lease and return.
            cte = picked.cte("picked")
            claim = (
                update(outbox_t)
                .where(outbox_t.c.id == cte.c.id)
                .values(**leased)
                .returning(*outbox_t.c, cte.c.old_status)
            )
            rows = list(await conn.execute(claim))
        else:
            # SQLite cannot return a CTE's column; as the single writer it is just as safe in
            # three statements within one immediate transaction.
            old = {r.id: r.old_status for r in await conn.execute(picked)}
            if not old:
                return []
            ids = member_of(outbox_t.c.id, "ids", conn)
            await conn.execute(update(outbox_t).where(ids).values(**leased), {"ids": list(old)})
            old_status = case(old, value=outbox_t.c.id).label("old_status")
            rows = list(
                await conn.execute(select(*outbox_t.c, old_status).where(ids), {"ids": list(old)})
            )
    return sorted(rows, key=lambda r: r.id)


def _values(ctx: Context, row: Any) -> dict[str, Any]:
    values = dict(ctx.values)
    for name, value in (row.values or {}).items():
        values[name] = value.lower() if name == "dagdeel" and isinstance(value, str) else value
    return values


def _render(
    row: Any, values: dict[str, Any], cache: dict[Any, tuple[str, str, int] | str]
) -> tuple[str, str, int] | str:
    """The text as sent, or the reason it cannot be rendered. Most messages of a batch are the
    same text (first contacts, reminders), so each distinct one is rendered once per batch."""
    if row.message_key == "desk.free_text" and row.text:
        # A caseworker's own words from the desk, checked against the text rules there.
        return (row.text, row.locale, count_segments(row.text).segments)
    # WhatsApp carries the SMS text: its template is that text, as approved.
    key = (row.message_key, row.locale, tuple(sorted(values.items(), key=lambda kv: kv[0])))
    if key in cache:
        return cache[key]
    try:
        rendered = render_detail(row.message_key, row.locale, **values)
        result: tuple[str, str, int] | str = (rendered.text, rendered.locale, rendered.segments)
    except MessageError as exc:
        result = str(exc)
    cache[key] = result
    return result


async def _handle(ctx: Context, clock: Clock, rows: list[Any], result: DispatchResult) -> None:
    """Render, check, send and record one claimed batch (all rows of one channel)."""
    records: list[dict[str, Any]] = []
    events: list[tuple[int, Event]] = []
    rerouted: list[Rerouted] = []
    ready: list[tuple[Any, Outgoing, tuple[str, str, int]]] = []
    rendered_cache: dict[Any, tuple[str, str, int] | str] = {}
    for row in rows:
        values = _values(ctx, row)
        rendered = _render(row, values, rendered_cache)
        if isinstance(rendered, str):
            records.append(_record(row, "error", error=rendered))
            result.failed += 1
            continue
        message = Outgoing(
            row.idempotency_key,
            row.channel,
            row.to_address,
            rendered[0],
            row.message_key,
            rendered[1],
            values,
        )
        ready.append((row, message, rendered))

    # The last checks, as close to the hand-over as possible: the clock and the opt-outs.
    now = clock()
    async with ctx.engine.connect() as conn:
        blocked = await opted_out_addresses(
            conn, [opt_out_address(r.channel, r.to_address) for r in rows]
        )
        await conn.rollback()
    outside_hours = not ctx.calendar.in_contact_hours(now)
    to_send: list[tuple[Any, Outgoing, tuple[str, str, int]]] = []
    for row, message, rendered in ready:
        if opt_out_address(row.channel, row.to_address) in blocked and not row.confirms_opt_out:
            records.append(_record(row, "held", error="address opted out"))
            result.held += 1
        elif outside_hours:
            slot = ctx.calendar.next_contact_slot(now)
            records.append(_record(row, "pending", not_before=slot, attempts=row.attempts - 1))
        elif row.old_status == "sending" and (known := await _known(ctx, row, message)):
            # Recovered after a crash, and the channel already has it: record, don't resend
            # (or it cannot tell now: wait and ask again, rather than risk a second message).
            _outcome(ctx, row, known, rendered, now, records, events, rerouted, result)
        else:
            to_send.append((row, message, rendered))

    if to_send:
        channel = ctx.channels[to_send[0][0].channel]
        outcomes: dict[str, Result] = await channel.send_many([m for _, m, _ in to_send])
        now = clock()
        for row, message, rendered in to_send:
            outcome = outcomes.get(message.idempotency_key) or TemporaryFailure("no answer")
            _outcome(ctx, row, outcome, rendered, now, records, events, rerouted, result)

    async with ctx.engine.begin() as conn:
        await _store_records(conn, records)
        await reroute(conn, rerouted, now)
        # A delivery receipt that overtook this record (it arrived while the batch was out)
        # is settled here, durably, not only by the webhook's in-memory retries.
        sent = [r["oid"] for r in records if r["status"] == "sent"]
        await settle_recorded(conn, ctx.rules, ctx.channels, sent, now)
        if events:
            applied = await apply_events(conn, events, now, ctx.rules)
            assert result.applied is not None
            result.applied.add(applied)


async def _known(ctx: Context, row: Any, message: Outgoing) -> Sent | TemporaryFailure | None:
    # Not before the row was queued: no earlier hand-over of this message can exist.
    return await ctx.channels[row.channel].find(message, row.created_at)


def _outcome(
    ctx: Context,
    row: Any,
    outcome: Result,
    rendered: tuple[str, str, int],
    now: datetime,
    records: list[dict[str, Any]],
    events: list[tuple[int, Event]],
    rerouted: list[Rerouted],
    result: DispatchResult,
) -> None:
    if isinstance(outcome, PermanentFailure) and outcome.reroute is not None:
        # The channel, not the number: the same message by SMS, not a failed attempt.
        rerouted.append(Rerouted(row, outcome.reason, outcome.reroute, text=rendered[0]))
        result.rerouted += 1
    elif isinstance(outcome, Sent):
        records.append(_sent(row, outcome, rendered, now))
        if row.case_id is not None and outcome.delivered:
            events.append((row.case_id, Delivered(row.idempotency_key)))
        result.sent += 1
    elif isinstance(outcome, PermanentFailure):
        records.append(_record(row, "failed", error=outcome.reason))
        if row.case_id is not None:
            event = OptOut() if outcome.opted_out else Failed(row.idempotency_key, True)
            events.append((row.case_id, event))
        result.failed += 1
    elif row.attempts >= ctx.settings.max_attempts:
        # Given up after days of trying. The address is not declared dead (that is for a
        # provider to say): the case's own timers carry the ladder on.
        records.append(_record(row, "failed", error=f"gave up: {outcome.reason}"))
        if row.case_id is not None:
            events.append((row.case_id, Failed(row.idempotency_key, False)))
        result.failed += 1
    else:
        retry = _retry_at(ctx, now, row.attempts, outcome.retry_after)
        records.append(_record(row, "pending", error=outcome.reason, not_before=retry))
        result.retried += 1


def _retry_at(ctx: Context, now: datetime, attempt: int, retry_after: float | None) -> datetime:
    backoff = min(ctx.settings.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
    wait = max(backoff * random.uniform(0.5, 1.5), retry_after or 0.0)
    return ctx.calendar.next_contact_slot(now + timedelta(seconds=wait))


def _record(
    row: Any,
    status: str,
    error: str | None = None,
    not_before: datetime | None = None,
    attempts: int | None = None,
) -> dict[str, Any]:
    return {
        "oid": row.id,
        "n_attempts": row.attempts if attempts is None else attempts,
        "status": status,
        "last_error": error,
        "not_before": not_before or row.not_before,
        "text": row.text,
        "sent_locale": row.sent_locale,
        "segments": row.segments,
        "provider_id": row.provider_id,
        "sent_at": row.sent_at,
        "delivered_at": row.delivered_at,
        "vals": row.values,
    }


def _sent(row: Any, sent: Sent, rendered: tuple[str, str, int], now: datetime) -> dict[str, Any]:
    record = _record(row, "delivered" if sent.delivered else "sent")
    text = rendered[0]
    if row.values and row.values.get("code"):
        # A chat link code works for days: once handed over, it is kept nowhere in clear.
        text = text.replace(str(row.values["code"]), "••••••")
        record["vals"] = {k: v for k, v in row.values.items() if k != "code"}
    record.update(
        text=text,
        sent_locale=rendered[1],
        segments=rendered[2],
        provider_id=sent.provider_id,
        sent_at=now,
        delivered_at=now if sent.delivered else None,
    )
    return record


async def _store_records(conn: AsyncConnection, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    await conn.execute(
        update(outbox_t)
        .where(outbox_t.c.id == bindparam("oid"))
        .values(
            status=bindparam("status"),
            last_error=bindparam("last_error"),
            not_before=bindparam("not_before"),
            text=bindparam("text"),
            sent_locale=bindparam("sent_locale"),
            segments=bindparam("segments"),
            provider_id=bindparam("provider_id"),
            sent_at=bindparam("sent_at"),
            delivered_at=bindparam("delivered_at"),
            values=bindparam("vals", type_=outbox_t.c["values"].type),
            attempts=bindparam("n_attempts"),
            lease_until=None,
        ),
        records,
    )
