"""The SMS channel through Twilio's REST API, with the official `twilio` client.

Each message is one `POST …/Messages.json` with `To`, `Body`, `StatusCallback` (our status
webhook) and the two-way sender: `MessagingServiceSid` when configured, else `From`. Up to
`concurrency` hand-overs are in flight at once; the messages-per-second rate is the
dispatcher's token bucket (`[rate_limit] sms`), which hands us at most that many per second.
What a refusal means for the resident is decided in `bot.twilio.errors`.

Recovery after a crash (`find`): Twilio takes no idempotency key, so the moment Twilio
answers with a MessageSid we write it on the outbox row (one small update per message, before
the dispatcher records the whole batch). A row whose worker died after that write is
recognised by its SID. For a worker killed between Twilio's answer and that write, `find` asks
Twilio itself: its Messages list filtered by `To` and `DateSent` (on or after the day the row
was queued), matched on our sender and the exact body, and not already the SID of another of
our rows; the message found is adopted instead of sent again. When Twilio cannot be asked (an
outage), the row waits and is retried, rather than risk a second message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time
from typing import Any

import aiohttp
from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bot.twilio.config import TwilioConfig
from bot.twilio.errors import classify_error, receipt_of, retry_after_seconds
from bot.twilio.http import EXCHANGE, Exchange, TwilioHttp
from casework.channels import (
    Outgoing,
    PermanentFailure,
    Receipt,
    Result,
    Sent,
    TemporaryFailure,
)
from messages import MessageError
from store.models import Outbox, UTCDateTime, table_of

log = logging.getLogger("zaadje.twilio")
# Messages to one number since the day a row was queued: a resident gets a few a week.
LOOKUP_LIMIT = 200
outbox_t = table_of(Outbox)


class TwilioChannel:
    def __init__(self, config: TwilioConfig, engine: AsyncEngine, name: str = "sms") -> None:
        self.name = name
        self.config = config
        self.engine = engine
        # One client per channel object; its connections live for one batch (`send_many`).
        self.http = TwilioHttp(config.timeout_seconds, config.concurrency)
        self.client = Client(config.account_sid, config.auth_token, http_client=self.http)
        if config.api_base:
            self.client.api.base_url = config.api_base.rstrip("/")
        self._gate = asyncio.Semaphore(config.concurrency)
        # One SID write at a time: ten at once would each want a connection of the shared
        # pool, and its overflow opens and closes PostgreSQL connections (milliseconds of CPU
        # each) exactly when a busy process can least afford it.
        self._recording = asyncio.Lock()

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        if not messages:
            return {}
        async with self.http.batch():
            results = await asyncio.gather(*(self._send(m) for m in messages))
        return {m.idempotency_key: r for m, r in zip(messages, results, strict=True)}

    async def _send(self, message: Outgoing) -> Result:
        async with self._gate:
            exchange = Exchange()
            EXCHANGE.set(exchange)  # this task's own: gather runs each send in a task
            try:
                request = self._request(message)
            except MessageError as exc:
                return PermanentFailure(f"cannot fill the template: {exc}", reroute="message")
            try:
                created = await self.client.messages.create_async(
                    status_callback=self.config.status_callback_url,
                    **self._sender(),
                    **request,
                )
            except (TwilioRestException, TwilioServiceException) as exc:
                retry_after = retry_after_seconds(exchange.headers.get("Retry-After"))
                return self._refusal(int(exc.status), _code(exc.code), retry_after)
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                # No answer at all: Twilio may or may not have the message. Retrying may
                # repeat it; not retrying may lose it. Losing is worse (see module docstring).
                return TemporaryFailure(f"twilio unreachable: {type(exc).__name__}")
            sid = created.sid
            if not sid:
                return TemporaryFailure("twilio answered without a MessageSid")
            await self._remember(message.idempotency_key, sid, created.status)
            return Sent(sid)

    def _request(self, message: Outgoing) -> dict[str, Any]:
        """What the message itself is: its addressee and its content."""
        return {"to": message.to, "body": message.text}

    def _sender(self) -> dict[str, Any]:
        if self.config.messaging_service_sid:
            return {"messaging_service_sid": self.config.messaging_service_sid}
        return {"from_": self.config.from_number}

    def _refusal(self, status: int, code: int | None, retry_after: float | None) -> Result:
        return classify_error(status, code, retry_after)

    def _listed_to(self, to: str) -> str:
        """The `To` of our messages to this address as Twilio lists them."""
        return to

    async def _remember(self, key: str, sid: str, status: object) -> None:
        """Write the MessageSid on the outbox row at once (recovery, status callbacks)."""
        status_text = _status(status)
        try:
            async with self._recording, self.engine.begin() as conn:
                await conn.execute(
                    update(outbox_t)
                    .where(outbox_t.c.idempotency_key == key)
                    .values(
                        provider_id=sid,
                        provider_status=func.coalesce(
                            outbox_t.c.provider_status, str(status_text or "queued")
                        ),
                        provider_status_at=func.coalesce(
                            outbox_t.c.provider_status_at,
                            literal(datetime.now(UTC), type_=UTCDateTime()),
                        ),
                    )
                )
        except Exception:
            # The dispatcher records the SID with the batch anyway; only the crash window
            # grows. Never fail a message that Twilio took.
            log.exception("could not record a MessageSid right after the hand-over")

    async def find(self, message: Outgoing, since: datetime) -> Sent | TemporaryFailure | None:
        recorded = await self._recorded([message.idempotency_key])
        if message.idempotency_key in recorded:
            sid, status = recorded[message.idempotency_key]
            return Sent(sid, delivered=status in ("delivered", "read"))
        try:
            async with self.http.batch():
                listed = await self.client.messages.list_async(
                    to=self._listed_to(message.to),
                    date_sent_after=datetime.combine(since.date(), time(), UTC),
                    limit=LOOKUP_LIMIT,
                )
        except (TwilioRestException, TwilioServiceException, aiohttp.ClientError, OSError) as exc:
            return TemporaryFailure(f"twilio lookup failed: {type(exc).__name__}")
        except TimeoutError:
            return TemporaryFailure("twilio lookup failed: timeout")
        ours = [m for m in listed if m.sid and m.body == message.text and self._from_us(m)]
        if not ours:
            return None
        taken = await self._taken([str(m.sid) for m in ours])
        for found in reversed(ours):  # Twilio lists the newest first; adopt the oldest
            sid = str(found.sid)
            if sid not in taken:
                await self._remember(message.idempotency_key, sid, found.status)
                log.warning("a message handed over before a crash was found at Twilio: adopted")
                return Sent(sid, delivered=_status(found.status) in ("delivered", "read"))
        return None

    def receipt(self, status: str, error: str | None) -> Receipt:
        return receipt_of(status, error)

    def _from_us(self, found: Any) -> bool:
        sender = self._sender()
        if "messaging_service_sid" in sender:
            return bool(found.messaging_service_sid == sender["messaging_service_sid"])
        return bool(found.from_ == sender["from_"])

    async def _recorded(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(
                    outbox_t.c.idempotency_key, outbox_t.c.provider_id, outbox_t.c.provider_status
                ).where(outbox_t.c.idempotency_key.in_(keys), outbox_t.c.provider_id.is_not(None))
            )
            await conn.rollback()
            return {r.idempotency_key: (r.provider_id, r.provider_status) for r in rows}

    async def _taken(self, sids: list[str]) -> set[str]:
        """Which of these SIDs another of our rows already carries."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox_t.c.provider_id).where(outbox_t.c.provider_id.in_(sids))
            )
            await conn.rollback()
            return {r.provider_id for r in rows}

    async def aclose(self) -> None:
        """Nothing stays open between batches (see `bot.twilio.http`); kept so that whoever
        owns a channel can close it without knowing which kind it is."""


def _status(status: object) -> str | None:
    """The client gives a status as an enum member (or a plain string)."""
    value = getattr(status, "value", status)
    return None if value is None else str(value)


def _code(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
