"""A caseworker sends the resident a text: a catalogue text in the resident's language, or a
free text that passes the same rules as the catalogue (no debt words, amounts, creditors or
links; at most two SMS parts; plain Dutch). Both go through the outbox, like every message, so
contact hours, opt-outs and retries apply and a double click sends once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.apply import initial_state
from casework.effects import address_of
from casework.optouts import opt_out_address, opted_out_addresses
from casework.outbox import message_row, queue_message
from casework.rules import TextRoute
from casework.whatsapp_window import route_texts
from flows import CaseState
from messages import KEYS, SOURCE_LOCALE, MessageError, render_detail
from messages.content import findings as content_findings
from messages.keys import MAX_SMS_SEGMENTS
from messages.rules import MAX_SENTENCE_WORDS, MIN_FLESCH_DOUMA, readability_verdict
from messages.segments import count_segments
from store.models import Case, Outbox, table_of

cases_t = table_of(Case)
outbox_t = table_of(Outbox)

# The outbox row of a free text carries its text already; the dispatcher sends it as is.
FREE_TEXT_KEY = "desk.free_text"
MAX_FREE_TEXT = 640
# Placeholders the desk can fill for any case: the municipality's own.
_FILLABLE = frozenset({"gemeente", "telefoon"})


class SendError(ValueError):
    """The text cannot be sent (no address, opted out, unknown key, rules broken)."""

    def __init__(self, message: str, findings: list[str] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


NO_WHATSAPP = TextRoute()


@dataclass(frozen=True)
class Sent:
    outbox_id: int | None  # None when this send was recorded before (a double click)
    key: str


def catalogue_keys() -> list[str]:
    """The SMS texts a caseworker may send from a case: those needing no case-specific value."""
    return [
        k.name
        for k in KEYS
        if k.kind == "sms" and not k.plural and set(k.placeholders) <= _FILLABLE
    ]


def free_text_findings(text: str, locale: str) -> list[str]:
    """Why a free text may not be sent; empty when it may."""
    problems = [message for _, message in content_findings(text)]
    if len(text) > MAX_FREE_TEXT:
        problems.append(f"{len(text)} characters; at most {MAX_FREE_TEXT}")
    segments = count_segments(text).segments
    if segments > MAX_SMS_SEGMENTS:
        problems.append(f"{segments} SMS parts; at most {MAX_SMS_SEGMENTS}")
    if locale == SOURCE_LOCALE:
        # The catalogue's readability rule; the wording is the desk's own, shorter one.
        verdict = readability_verdict(text)
        score = verdict.score
        if verdict.too_hard:
            problems.append(
                f"Flesch-Douma {score.flesch_douma:.0f}, needs {MIN_FLESCH_DOUMA:.0f} or more:"
                " use shorter words and sentences"
            )
        if verdict.sentence_too_long:
            problems.append(
                f"a sentence of {score.longest_sentence_words} words; at most {MAX_SENTENCE_WORDS}"
            )
    return problems


@dataclass(frozen=True)
class Found:
    """Where the desk's text goes: the channel and address casework would choose."""

    channel: str
    address: str
    locale: str
    sms_only: bool


async def _address(engine: AsyncEngine, case_id: int) -> Found:
    async with engine.connect() as conn:
        case = (
            await conn.execute(
                select(
                    cases_t.c.id,
                    cases_t.c.crisis,
                    cases_t.c.contact_phone,
                    cases_t.c.telegram_chat_id,
                    cases_t.c.sms_only,
                    cases_t.c.flow_state,
                    cases_t.c.locale,
                ).where(cases_t.c.id == case_id)
            )
        ).first()
        if case is None:
            raise SendError(f"no case {case_id}")
        # The state and address as casework works them out, so the desk writes to where the
        # flow's own messages go. Opt-outs are checked below, on the address itself.
        state = (
            CaseState.from_dict(case.flow_state)
            if case.flow_state is not None
            else initial_state(case, opted_out=False)
        )
        found = address_of(case, state)
        if found is None:
            raise SendError("this resident has no phone number or chat: no text can be sent")
        # The dispatcher's own check: the address itself, or its hash once the resident's
        # data was erased (store/personal.py).
        blocked = await opted_out_addresses(conn, [opt_out_address(*found)])
        if blocked:
            raise SendError("this resident opted out of messages: nothing was sent")
        return Found(found[0], found[1], case.locale, bool(case.sms_only))


async def send_catalogue(
    engine: AsyncEngine,
    case_id: int,
    key: str,
    send_id: str,
    values: Mapping[str, Any],
    now: datetime,
    route: TextRoute = NO_WHATSAPP,
) -> Sent:
    if key not in catalogue_keys():
        raise SendError(f"{key!r} is not a text the desk can send")
    found = await _address(engine, case_id)
    try:
        render_detail(key, found.locale, **values)  # fails now rather than in the dispatcher
    except MessageError as exc:
        raise SendError(str(exc)) from exc
    return await _enqueue(engine, case_id, found, key, None, send_id, now, route)


async def send_free_text(
    engine: AsyncEngine,
    case_id: int,
    text: str,
    send_id: str,
    now: datetime,
    route: TextRoute = NO_WHATSAPP,
) -> Sent:
    text = text.strip()
    if not text:
        raise SendError("the text is empty")
    found = await _address(engine, case_id)
    problems = free_text_findings(text, found.locale)
    if problems:
        raise SendError("the text breaks the rules for messages to residents", problems)
    return await _enqueue(engine, case_id, found, FREE_TEXT_KEY, text, send_id, now, route)


async def _enqueue(
    engine: AsyncEngine,
    case_id: int,
    found: Found,
    key: str,
    text: str | None,
    send_id: str,
    now: datetime,
    route: TextRoute,
) -> Sent:
    async with engine.begin() as conn:
        row = message_row(
            # The form's one-time id: the same form posted twice is one message.
            idempotency_key=f"desk:{case_id}:{send_id}",
            case_id=case_id,
            channel=found.channel,
            to_address=found.address,
            locale=found.locale,
            message_key=key,
            not_before=now,
            now=now,
            text=text,
        )
        # By WhatsApp where the flow's own texts would go there.
        await route_texts(conn, route, [(row, found.sms_only)], now)
        outbox_id = await queue_message(conn, row)
    return Sent(outbox_id, key)
