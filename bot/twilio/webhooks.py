"""The two routes Twilio calls: inbound SMS and WhatsApp messages, and delivery status callbacks.

Both check `X-Twilio-Signature` first: a missing, forged or other-URL signature gets 403 and
nothing is read further. Then the request path does the minimum before answering:
- inbound: store the message (one insert, deduplicated on MessageSid; `bot.twilio.inbox`)
  and answer an empty TwiML `<Response/>`. The reply to the resident is not TwiML but goes
  through the outbox, so contact hours, opt-outs, the rate limit and delivery tracking apply
  to it like to any other message. Handling (flow engine, replies) runs right after on the
  background workers; a retried delivery of a handled message is answered, not handled again;
- status: record the provider's status (forward only) and answer 204; a callback that
  overtook the dispatcher is settled again shortly on the background workers.
A request that is signed but lacks what the route needs gets 400 naming the field.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.twiml.messaging_response import MessagingResponse

from bot.menus import reply_text
from bot.twilio.background import Background
from bot.twilio.inbox import Inbox
from bot.twilio.signature import SignatureCheck
from bot.twilio.whatsapp import PREFIX
from casework.channels import Channel
from casework.delivery import Outcome, StatusError, record_status
from casework.replies import handle
from casework.rules import CaseRules

log = logging.getLogger("zaadje.twilio")

EMPTY_TWIML = str(MessagingResponse())
# Seconds between tries to settle a status callback that overtook the dispatcher (whose
# lease is a minute); after the last one a warning is logged.
SETTLE_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
MAX_SID = 80  # outbox/inbound provider_id
MAX_SENDER = 60  # inbound sender

Clock = Callable[[], datetime]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class BadRequest(ValueError):
    pass


def channel_of(sender: str) -> tuple[str, str]:
    """Twilio writes a WhatsApp sender as `whatsapp:+31…` on the same webhook as SMS."""
    if sender.startswith(PREFIX):
        return "whatsapp", sender.removeprefix(PREFIX)
    return "sms", sender


async def reconnecting(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run an idempotent database step; once more if its pooled connection turned out dead
    (a database restart the pool's ping did not catch), so the provider's request is kept."""
    try:
        return await attempt()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return await attempt()


def _field(form: Mapping[str, object], name: str, limit: int, required: bool = True) -> str:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"missing field {name}")
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"field {name} must be text")
    if len(value) > limit:
        raise BadRequest(f"field {name} is longer than {limit} characters")
    if "\x00" in value:
        # PostgreSQL cannot store NUL in text: refused plainly, not a 500 the provider retries.
        raise BadRequest(f"field {name} contains a NUL character")
    return value


class TwilioWebhooks:
    def __init__(
        self,
        signature: SignatureCheck,
        engine: AsyncEngine,
        rules: CaseRules,
        channels: Mapping[str, Channel],
        background: Background,
        inbox: Inbox | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.signature = signature
        self.engine = engine
        self.inbox = inbox or Inbox(engine)
        self.rules = rules
        # What Twilio's error codes mean, per channel (delivery reports): SMS and WhatsApp.
        self.channels = channels
        self.background = background
        self.clock = clock
        self.inflight = 0  # webhook requests being answered now (background work yields)

    def busy(self) -> bool:
        return self.inflight > 0

    async def _signed_form(self, request: web.Request) -> Mapping[str, object]:
        header = request.headers.get("X-Twilio-Signature")
        if not header:
            raise web.HTTPForbidden(text="invalid Twilio signature")
        try:
            form = await request.post()
        except (ValueError, LookupError) as exc:
            # An unknown charset or bytes that are not text: Twilio never sends such a body,
            # so no signature can be valid for it. A 403, not a 500 with a traceback.
            raise web.HTTPForbidden(text="invalid Twilio signature") from exc
        if not self.signature.valid(request.raw_path, form, header):
            raise web.HTTPForbidden(text="invalid Twilio signature")
        return form

    async def inbound(self, request: web.Request) -> web.Response:
        self.inflight += 1
        try:
            return await self._inbound(request)
        finally:
            self.inflight -= 1

    async def _inbound(self, request: web.Request) -> web.Response:
        form = await self._signed_form(request)
        try:
            sid = _field(form, "MessageSid", MAX_SID, required=False) or _field(
                form, "SmsSid", MAX_SID
            )
            sender = _field(form, "From", MAX_SENDER)
            body = _field(form, "Body", 1_000_000, required=False)
            # A quick-reply button: its payload (`bot.menus`) is the answer it stands for in
            # words the reply parser reads in every context; the title is only its label.
            button = _field(form, "ButtonPayload", 64, required=False)
        except BadRequest as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
        channel, sender = channel_of(sender)
        pressed = reply_text(button) if channel == "whatsapp" and button else None
        text = pressed[1] if pressed else body
        stored = await self.inbox.store(channel, sender, text, self.clock(), sid)
        if not stored.handled:
            inbound_id = stored.inbound_id

            async def handle_it() -> None:
                await handle(self.engine, self.rules, inbound_id, self.clock())

            self.background.submit(handle_it)
        return web.Response(text=EMPTY_TWIML, content_type="application/xml")

    async def status(self, request: web.Request) -> web.Response:
        form = await self._signed_form(request)
        try:
            sid = _field(form, "MessageSid", MAX_SID, required=False) or _field(
                form, "SmsSid", MAX_SID
            )
            status = _field(form, "MessageStatus", 20, required=False) or _field(
                form, "SmsStatus", 20
            )
            error = _field(form, "ErrorCode", 20, required=False) or None
            outcome = await reconnecting(
                lambda: record_status(
                    self.engine, self.rules, self.channels, sid, status, error, self.clock()
                )
            )
        except (BadRequest, StatusError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
        if outcome in (Outcome.WAITING, Outcome.UNKNOWN):
            self._settle_later(sid, status, error, 0)
        return web.Response(status=204)

    def _settle_later(self, sid: str, status: str, error: str | None, attempt: int) -> None:
        if attempt >= len(SETTLE_DELAYS):
            log.warning("status callback for message %s could not be settled; left as is", sid)
            return

        async def settle() -> None:
            outcome = await record_status(
                self.engine, self.rules, self.channels, sid, status, error, self.clock()
            )
            if outcome in (Outcome.WAITING, Outcome.UNKNOWN):
                self._settle_later(sid, status, error, attempt + 1)

        self.background.later(SETTLE_DELAYS[attempt], settle)
