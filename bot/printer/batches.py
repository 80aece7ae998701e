"""Making a day's print batch: take the waiting letters, write each one (the resident's name
and address from the case's newest signal, the texts from the catalogues, Dutch first and the
resident's reviewed language after it), render one PDF and record the batch — in one
transaction, so a failure leaves every letter waiting."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pikepdf
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.printer.documents import Letter, LetterPart, Sender
from casework.letters import Waiting, batched_on, record_batch, take_waiting
from clock import Calendar
from messages import MessageError
from messages.render import render_letter
from store.models import Case, Household, Signal, table_of
from store.queries import member_of

cases_t = table_of(Case)
households_t = table_of(Household)
signals_t = table_of(Signal)

SOURCE = "nl"


@dataclass(frozen=True)
class PostSettings:
    """The municipality's post settings (`[post]`, `[gemeente]`)."""

    sender: Sender
    signed_by: str  # {medewerker} in the closing
    values: dict[str, Any] = field(default_factory=dict)  # gemeente, telefoon

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PostSettings:
        post, gemeente = config["post"], config["gemeente"]
        logo = str(post.get("logo") or "")
        sender = Sender(
            name=f"Gemeente {gemeente['naam']}",
            return_address=tuple(str(line) for line in post["return_address"]),
            phone=str(gemeente["telefoon"]),
            email=str(post.get("email") or ""),
            website=str(post.get("website") or ""),
            logo=Path(logo) if logo else None,
        )
        values = {"gemeente": gemeente["naam"], "telefoon": gemeente["telefoon"]}
        return cls(sender, str(post["signed_by"]), values)


@dataclass(frozen=True)
class BatchMade:
    batch: int
    letters: int
    pages: int
    pdf: bytes


async def make_batch(
    engine: AsyncEngine,
    post: PostSettings,
    calendar: Calendar,
    day: date,
    now: datetime,
    made_by: str,
    limit: int,
) -> BatchMade | None:
    """Every letter due by the end of `day` that is in no batch yet (at most `limit`, highest
    priority first) in one PDF; None when nothing is waiting."""
    until = datetime.combine(day + timedelta(days=1), time(), calendar.tz)
    async with engine.begin() as conn:
        # The day's capacity is for all of its batches together.
        room = limit - await batched_on(conn, day)
        taken = await take_waiting(conn, until, room, now)
        if not taken:
            return None
        cases, signals = await _addressees(conn, [letter.case_id for letter in taken])
        letters = [
            _letter(post, letter, day, cases[letter.case_id], signals.get(letter.case_id))
            for letter in taken
        ]
        from bot.printer.pdf import letters_pdf  # the typesetting library, when it is needed

        pdf = await asyncio.to_thread(letters_pdf, letters, post.sender)
        pages = page_count(pdf)
        batch = await record_batch(conn, day, now, made_by, taken, pdf, pages)
    return BatchMade(batch, len(taken), pages, pdf)


def page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


async def _addressees(
    conn: AsyncConnection, case_ids: list[int]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """Each case (its phone, its household's address) and its newest signal with an address:
    two queries for the whole batch."""
    ids = {"ids": sorted(set(case_ids))}
    cases = await conn.execute(
        select(
            cases_t.c.id,
            cases_t.c.contact_phone,
            households_t.c.postcode,
            households_t.c.huisnummer,
            households_t.c.toevoeging,
        )
        .outerjoin(households_t, households_t.c.id == cases_t.c.household_id)
        .where(member_of(cases_t.c.id, "ids", conn)),
        ids,
    )
    signals = await conn.execute(
        select(signals_t)
        .where(member_of(signals_t.c.case_id, "ids", conn), signals_t.c.postcode.is_not(None))
        .order_by(signals_t.c.signal_date.desc(), signals_t.c.id.desc()),
        ids,
    )
    newest: dict[int, Any] = {}
    for signal in signals:
        newest.setdefault(signal.case_id, signal)
    return {case.id: case for case in cases}, newest


def _letter(post: PostSettings, letter: Waiting, day: date, case: Any, signal: Any) -> Letter:
    name = _name(signal)
    values = {
        **post.values,
        "naam": name,
        "medewerker": post.signed_by,
        "datum": day,
    }
    sms_note = bool(case.contact_phone or (signal is not None and signal.phone))
    parts = language_parts(letter.message_key, letter.locale, values, sms_note=sms_note)
    return Letter(
        reference=f"Zaak {letter.case_id}",
        date=day,
        recipient=_recipient(name, signal, case),
        parts=parts,
    )


def language_parts(
    name: str, locale: str, values: dict[str, Any], *, sms_note: bool = False
) -> tuple[LetterPart, ...]:
    """A letter's or card's text in Dutch, and after it in the resident's language when that
    translation is reviewed (a fallback would only print the Dutch again)."""
    texts = [render_letter(name, SOURCE, sms_note=sms_note, **values)]
    if locale != SOURCE:
        try:
            own = render_letter(name, locale, sms_note=sms_note, **values)
        except MessageError:
            own = None
        if own is not None and own.locale != SOURCE:
            texts.append(own)
    return tuple(LetterPart(t.locale, t.subject, t.paragraphs, t.closing) for t in texts)


def _name(signal: Any) -> str:
    if signal is None or not signal.surname:
        return ""
    words = [signal.initials, signal.prefix, signal.surname]
    return " ".join(str(w).strip() for w in words if w and str(w).strip())


def _recipient(name: str, signal: Any, case: Any) -> tuple[str, ...]:
    """The address block: name (or "De bewoners van"), street and number, postcode and city;
    the household's postcode and number when no signal gave the address (a completed BSN)."""
    lines = [name or "De bewoners van"]
    where = signal if signal is not None else case
    number = f"{where.huisnummer or ''}{' ' + where.toevoeging if where.toevoeging else ''}"
    street = getattr(where, "street", None)
    lines.append(f"{street} {number}".strip() if street else f"Huisnummer {number}")
    postcode = str(where.postcode or "")
    postcode = f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode
    city = getattr(where, "city", None) or ""
    lines.append(f"{postcode}  {city.upper()}".strip())
    return tuple(lines)
