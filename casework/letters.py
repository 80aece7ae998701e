"""Letters by post: outbox rows with `channel = "letter"`, gathered into daily print batches.

A letter waits (`pending`) until a coordinator makes a batch: the batch takes the letters due
by its day, highest case priority first and at most the day's capacity, under a lock
(`FOR UPDATE SKIP LOCKED`), so two batches made at once never share a letter; its letters are
then with the printer (`sent`). Confirming the batch as posted is the letters' delivery
report: each becomes a `Brief` contact attempt that day and the ladder's wait starts
(casework/delivery.py, like any channel's report). Cancelling returns them to `pending`, for
the next batch. The PDF itself is made by the printer adapter (bot/printer/).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.channels import Channel
from casework.delivery import settle_recorded
from casework.rules import CaseRules
from flows.flow import LETTER
from store.letter_models import LetterBatch, LetterBatchItem
from store.models import Case, Outbox, table_of
from store.queries import member_of

outbox_t = table_of(Outbox)
cases_t = table_of(Case)
batches_t = table_of(LetterBatch)
items_t = table_of(LetterBatchItem)

# What a letter's outbox status means to a coordinator.
STATUS_OF: Mapping[str, str] = {"pending": "waiting", "sent": "batched", "delivered": "posted"}


class LetterError(ValueError):
    """A batch that cannot be confirmed or cancelled (unknown, or already ended)."""


@dataclass(frozen=True)
class Waiting:
    """A letter taken for a batch."""

    outbox_id: int
    case_id: int
    locale: str
    message_key: str


async def take_waiting(
    conn: AsyncConnection, until: datetime, limit: int, now: datetime
) -> list[Waiting]:
    """Take up to `limit` letters due by `until` that are in no batch, highest case priority
    first (then the oldest): locked and handed to the printer in the caller's transaction."""
    if limit <= 0:
        return []
    picked = (
        select(outbox_t.c.id, outbox_t.c.case_id, outbox_t.c.locale, outbox_t.c.message_key)
        .join(cases_t, cases_t.c.id == outbox_t.c.case_id)
        .where(
            outbox_t.c.channel == LETTER,
            outbox_t.c.status == "pending",
            outbox_t.c.not_before <= until,
            cases_t.c.state == "open",  # a case that ended gets no letter
            cases_t.c.erased_at.is_(None),
        )
        .order_by(cases_t.c.priority.desc(), outbox_t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=outbox_t)
    )
    rows = [Waiting(r.id, r.case_id, r.locale, r.message_key) for r in await conn.execute(picked)]
    if not rows:
        return []
    # Only the rows this statement moved from pending are this batch's (on SQLite the lock
    # above is the database's single writer; the guard makes it hold on any engine).
    taken = await conn.execute(
        update(outbox_t)
        .where(member_of(outbox_t.c.id, "ids", conn), outbox_t.c.status == "pending")
        .values(
            status="sent",
            provider_id=literal("letter-").concat(cast(outbox_t.c.id, String)),
            provider_status="queued",
            provider_status_at=now,
            sent_at=now,
        )
        .returning(outbox_t.c.id),
        {"ids": [r.outbox_id for r in rows]},
    )
    ids = {r.id for r in taken}
    return [r for r in rows if r.outbox_id in ids]


async def batched_on(conn: AsyncConnection, day: date) -> int:
    """Letters already in a batch made for `day` (not cancelled): the day's capacity left."""
    count = await conn.scalar(
        select(func.count())
        .select_from(items_t.join(batches_t, batches_t.c.id == items_t.c.batch_id))
        .where(batches_t.c.day == day, batches_t.c.status != "cancelled")
    )
    return int(count or 0)


async def record_batch(
    conn: AsyncConnection,
    day: date,
    now: datetime,
    made_by: str,
    letters: Sequence[Waiting],
    pdf: bytes,
    pages: int,
) -> int:
    """The batch just made, with its PDF and its letters in print order: its id."""
    batch_id = await conn.scalar(
        batches_t.insert()
        .values(
            day=day,
            made_at=now,
            made_by=made_by,
            status="open",
            letters=len(letters),
            pages=pages,
            pdf=pdf,
        )
        .returning(batches_t.c.id)
    )
    assert batch_id is not None
    await conn.execute(
        items_t.insert(),
        [
            {"batch_id": batch_id, "outbox_id": letter.outbox_id, "position": n}
            for n, letter in enumerate(letters, 1)
        ],
    )
    return int(batch_id)


async def _open_batch(conn: AsyncConnection, batch_id: int) -> Any:
    batch = (
        await conn.execute(select(batches_t).where(batches_t.c.id == batch_id).with_for_update())
    ).first()
    if batch is None:
        raise LetterError(f"no batch {batch_id}")
    return batch


async def _letters_of(conn: AsyncConnection, batch_id: int) -> list[int]:
    rows = await conn.execute(
        select(items_t.c.outbox_id)
        .where(items_t.c.batch_id == batch_id)
        .order_by(items_t.c.position)
    )
    return [r.outbox_id for r in rows]


async def confirm_batch(
    conn: AsyncConnection,
    rules: CaseRules,
    printer: Channel,
    batch_id: int,
    now: datetime,
) -> int:
    """The batch went to the post: each of its letters is delivered (a `Brief` attempt, the
    ladder's wait starts). Confirming again changes nothing. The letters confirmed now."""
    batch = await _open_batch(conn, batch_id)
    if batch.status == "posted":
        return 0
    if batch.status != "open":
        raise LetterError(f"batch {batch_id} was {batch.status}: it cannot be posted")
    ids = await _letters_of(conn, batch_id)
    # An erased resident's letter is not recorded, even if the paper went out.
    await conn.execute(
        update(outbox_t)
        .where(
            member_of(outbox_t.c.id, "ids", conn),
            outbox_t.c.status == "sent",
            outbox_t.c.case_id.in_(select(cases_t.c.id).where(cases_t.c.erased_at.is_not(None))),
        )
        .values(status="cancelled"),
        {"ids": ids},
    )
    await conn.execute(
        update(outbox_t)
        .where(member_of(outbox_t.c.id, "ids", conn), outbox_t.c.status == "sent")
        .values(provider_status="delivered", provider_status_at=now),
        {"ids": ids},
    )
    settled = await settle_recorded(conn, rules, {LETTER: printer}, ids, now)
    # The PDF holds names and addresses: it is not kept once the batch is posted.
    await conn.execute(
        update(batches_t)
        .where(batches_t.c.id == batch_id)
        .values(status="posted", posted_at=now, pdf=None)
    )
    return settled


async def cancel_batch(conn: AsyncConnection, batch_id: int, now: datetime) -> int:
    """The batch will not be posted: its letters wait for the next batch. How many."""
    batch = await _open_batch(conn, batch_id)
    if batch.status != "open":
        raise LetterError(f"batch {batch_id} was {batch.status}: only an open batch is cancelled")
    ids = await _letters_of(conn, batch_id)
    # A case that ended meanwhile (closed, erased) gets no letter in the next batch.
    ended = select(cases_t.c.id).where(
        or_(cases_t.c.state != "open", cases_t.c.erased_at.is_not(None))
    )
    await conn.execute(
        update(outbox_t)
        .where(
            member_of(outbox_t.c.id, "ids", conn),
            outbox_t.c.status == "sent",
            outbox_t.c.case_id.in_(ended),
        )
        .values(status="withdrawn", last_error="the case ended before the letter was posted"),
        {"ids": ids},
    )
    result = await conn.execute(
        update(outbox_t)
        .where(member_of(outbox_t.c.id, "ids", conn), outbox_t.c.status == "sent")
        .values(
            status="pending",
            provider_id=None,
            provider_status=None,
            provider_status_at=None,
            sent_at=None,
        ),
        {"ids": ids},
    )
    await conn.execute(
        update(batches_t)
        .where(batches_t.c.id == batch_id)
        .values(status="cancelled", cancelled_at=now, pdf=None)
    )
    return int(result.rowcount or 0)


async def batch_pdf(conn: AsyncConnection, batch_id: int) -> tuple[Any, bytes | None]:
    """A batch and its PDF (None once posted or cancelled)."""
    batch = (await conn.execute(select(batches_t).where(batches_t.c.id == batch_id))).first()
    if batch is None:
        raise LetterError(f"no batch {batch_id}")
    return batch, batch.pdf


async def list_batches(conn: AsyncConnection, limit: int = 50) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(
            batches_t.c.id,
            batches_t.c.day,
            batches_t.c.made_at,
            batches_t.c.made_by,
            batches_t.c.status,
            batches_t.c.letters,
            batches_t.c.pages,
            batches_t.c.posted_at,
        )
        .order_by(batches_t.c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def list_letters(conn: AsyncConnection, status: str | None = None) -> list[dict[str, Any]]:
    """Every letter (or only those of one `status`, in the coordinator's words: waiting,
    batched, posted): its case, language, text, status, and its batch (the one that is not
    cancelled, if any)."""
    live = (
        select(items_t.c.outbox_id, func.max(items_t.c.batch_id).label("batch"))
        .join(batches_t, batches_t.c.id == items_t.c.batch_id)
        .where(batches_t.c.status != "cancelled")
        .group_by(items_t.c.outbox_id)
        .subquery()
    )
    query = (
        select(
            outbox_t.c.id,
            outbox_t.c.case_id,
            outbox_t.c.locale,
            outbox_t.c.message_key,
            outbox_t.c.status,
            live.c.batch,
        )
        .outerjoin(live, live.c.outbox_id == outbox_t.c.id)
        .where(outbox_t.c.channel == LETTER)
        .order_by(outbox_t.c.id)
    )
    if status is not None:
        ours = [raw for raw, word in STATUS_OF.items() if word == status]
        query = query.where(outbox_t.c.status.in_(ours))
    rows = await conn.execute(query)
    return [
        {
            "id": r.id,
            "case": r.case_id,
            "locale": r.locale,
            "message_key": r.message_key,
            "status": STATUS_OF.get(r.status, "cancelled"),
            "batch": r.batch,
        }
        for r in rows
    ]
