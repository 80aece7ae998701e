"""The reply use case, for every channel: find the resident's case, understand the reply in
context, and let the flow engine decide what follows.

A message is stored in the inbox first (casework/inbox.py); handling it here happens once. A
sender we do not know is answered politely (once a day) and their text kept for a person; a
STOP from anyone is honoured at once. Channel adapters (`bot/`) only turn a provider's request
into `store` + `handle`, or call `receive` for both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.apply import apply_events, load_cases
from casework.channels import is_phone_channel
from casework.chat_offer import CannotOffer, offer_chat
from casework.inbox import store
from casework.optouts import add_opt_out, is_opted_out, lift_opt_out, opt_out_address
from casework.outbox import message_row, queue_message
from casework.rules import CaseRules
from casework.whatsapp_window import route_texts
from flows import CaseState, IntentKind, Reply, parse_intent
from flows.replies import expecting
from store.models import Case, Inbound, Signal, table_of

inbound_t = table_of(Inbound)
cases_t = table_of(Case)
signals_t = table_of(Signal)


@dataclass
class Handled:
    case: int | None
    intent: str
    actions: list[str] = field(default_factory=list)
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "intent": self.intent,
            "actions": self.actions,
            "duplicate": self.duplicate,
        }


async def receive(
    engine: AsyncEngine,
    rules: CaseRules,
    channel: str,
    sender: str,
    text: str,
    now: datetime,
    provider_id: str | None = None,
) -> Handled:
    """Store, then handle. Stored first, in a transaction of its own: if handling fails, the
    message is still there and the inbound pass handles it again; a message delivered twice
    is handled once (`handle` leaves a handled one alone and says it was a duplicate)."""
    provider_id = provider_id or f"local-{uuid.uuid4().hex}"
    stored = await store(engine, channel, sender, text, now, provider_id)
    return await handle(engine, rules, stored.inbound_id, now)


async def handle(engine: AsyncEngine, rules: CaseRules, inbound_id: int, now: datetime) -> Handled:
    """Handle one stored inbound message (once: a handled one is left alone)."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(inbound_t).where(inbound_t.c.id == inbound_id).with_for_update()
            )
        ).one()
        if row.handled_at is not None:
            return Handled(row.case_id, row.intent or "unknown", duplicate=True)
        channel, sender, text = row.channel, row.sender, row.text
        case_id = await find_case(conn, channel, sender)
        if case_id is None:
            handled = await _unknown_sender(conn, rules, channel, sender, text, inbound_id, now)
        elif channel == "sms" and rules.chat and _asks_for_chat(text):
            handled = await _offer_chat(conn, rules, case_id, now)
        else:
            # The case is locked before its state is read: the reply is understood against
            # the question the resident actually last got, even when two arrive at once.
            await load_cases(conn, [case_id])
            state = await _state_of(conn, case_id)
            intent = parse_intent(text, expecting(state) if state else None)
            applied = await apply_events(conn, [(case_id, Reply(text, intent))], now, rules)
            handled = Handled(case_id, intent.kind.value, list(applied.actions.get(case_id, [])))
        await conn.execute(
            update(inbound_t)
            .where(inbound_t.c.id == inbound_id)
            .values(case_id=handled.case, intent=handled.intent, handled_at=now)
        )
    return handled


async def find_case(conn: AsyncConnection, channel: str, sender: str) -> int | None:
    """The sender's case: an open one before a closed one, the newest first."""
    phone = is_phone_channel(channel)
    column = cases_t.c.contact_phone if phone else cases_t.c.telegram_chat_id
    found = await conn.scalar(
        select(cases_t.c.id)
        .where(column == sender)
        .order_by(case((cases_t.c.state == "open", 0), else_=1), cases_t.c.id.desc())
        .limit(1)
    )
    if found is not None or not phone:
        return found
    # Not contacted yet, but a partner gave us this number: the reply belongs to that case.
    found = await conn.scalar(
        select(signals_t.c.case_id)
        .join(cases_t, cases_t.c.id == signals_t.c.case_id)
        .where(signals_t.c.phone == sender)
        .order_by(case((cases_t.c.state == "open", 0), else_=1), signals_t.c.id.desc())
        .limit(1)
    )
    if found is not None:
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == found, cases_t.c.contact_phone.is_(None))
            .values(contact_phone=sender)
        )
    return found


# An SMS with just one of these words asks for the chat instead (a municipality's texts may
# mention it once Telegram is configured): the answer is a fresh link code by SMS.
CHAT_WORDS = frozenset({"chat", "chatten", "telegram"})


def _asks_for_chat(text: str) -> bool:
    return text.strip().strip(".!?").casefold() in CHAT_WORDS


async def _offer_chat(
    conn: AsyncConnection, rules: CaseRules, case_id: int, now: datetime
) -> Handled:
    assert rules.chat is not None
    try:
        await offer_chat(
            conn,
            case_id,
            now,
            secret_key=rules.chat.secret_key,
            bot_name=rules.chat.bot_name,
            calendar=rules.calendar,
        )
    except CannotOffer:
        # E.g. the number opted out: nothing to send, but a person should see the wish.
        return Handled(case_id, "chat", ["no chat offer possible"])
    return Handled(case_id, "chat", ["send chat.link_code"])


async def _state_of(conn: AsyncConnection, case_id: int) -> CaseState | None:
    data = await conn.scalar(select(cases_t.c.flow_state).where(cases_t.c.id == case_id))
    return CaseState.from_dict(data) if data else None


async def _unknown_sender(
    conn: AsyncConnection,
    rules: CaseRules,
    channel: str,
    sender: str,
    text: str,
    inbound_id: int,
    now: datetime,
) -> Handled:
    intent = parse_intent(text)
    address = opt_out_address(channel, sender)
    slot = rules.calendar.next_contact_slot(now)
    today = rules.calendar.local_date(now).isoformat()
    if intent.kind is IntentKind.STOP:
        await add_opt_out(conn, channel, address, "reply", now)
        key, idem, confirms = "sms.optout_confirmed", f"inbound:{inbound_id}:stop", True
        actions = ["opt-out", "send sms.optout_confirmed"]
    elif intent.kind is IntentKind.START:
        await lift_opt_out(conn, address)
        key, idem, confirms = "sms.start", f"inbound:{inbound_id}:start", False
        actions = ["opt-out lifted", "send sms.start"]
    else:
        # One polite answer a day, however many messages a stranger sends.
        key, idem, confirms = "sms.unknown_sender", f"unknown:{address}:{today}", False
        actions = ["send sms.unknown_sender"]
    opted_out = await is_opted_out(conn, address)
    queued = None
    if confirms or not opted_out:
        row = message_row(
            idempotency_key=idem,
            case_id=None,
            # A phone number is answered as every text to it is routed: by WhatsApp inside
            # the window they just opened when WhatsApp is among the channels, else by SMS.
            channel="sms" if is_phone_channel(channel) else channel,
            to_address=sender,
            locale=intent.language or "nl",
            message_key=key,
            confirms_opt_out=confirms,
            not_before=slot,
            now=now,
        )
        await route_texts(conn, rules.route, [(row, False)], now)
        queued = await queue_message(conn, row)
    if queued is None:
        actions = [a for a in actions if not a.startswith("send")]
    return Handled(None, intent.kind.value, actions)
