"""What the Twilio tests share: a town on a fresh database whose SMS channel is the real
Twilio channel pointed at the local fake REST API, and signed webhook requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.services import Services
from app.settings import Settings
from app.web import build_app
from app.web_twilio import TWILIO_WEBHOOKS
from app.wiring import context_for
from scheduler.context import Context
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from store.models import Inbound, Outbox
from tests.fakes.twilio import FakeTwilio

ACCOUNT = "AC" + "1" * 32
TOKEN = "test-auth-token-0123456789abcdef"
FROM = "+3197010203040"
PUBLIC = "https://zaadje.gemeente.example"
PHONE = "+31612345678"
MONDAY = datetime.fromisoformat("2026-11-02T10:00:00+01:00")
HEADER = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"


def twilio_settings(db_url: str, api_base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "public_base_url": PUBLIC,
        "twilio_account_sid": ACCOUNT,
        "twilio_auth_token": TOKEN,
        "twilio_from": FROM,
        "twilio_api_base": api_base,
    }
    values.update(overrides)
    return Settings(**values)


async def open_town(
    db_url: str, tmp: Path, fake: FakeTwilio, phones: tuple[str, ...] = (PHONE,), **overrides: Any
) -> tuple[Settings, Context]:
    """Cases for these phone numbers, taken in on Monday morning; nothing sent yet. The caller
    closes the context with `close` (the `twilio_town` fixture of tests/bot/conftest.py does)."""
    settings = twilio_settings(db_url, fake.base_url, **overrides)
    engine = make_engine(db_url)
    ctx = context_for(settings, engine)
    rows = [
        f"S-{i},Huur,640,2026-10-20,Jansen,{i + 1},1234AB,{phone}" for i, phone in enumerate(phones)
    ]
    csv = tmp / "signals.csv"
    csv.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    intake = IntakeSettings.from_config(settings.config, ctx.calendar)
    await ingest_file(engine, csv, None, MONDAY, intake)
    return settings, ctx


async def close(ctx: Context) -> None:
    channel = ctx.channels["sms"]
    aclose = getattr(channel, "aclose", None)
    if aclose is not None:
        await aclose()
    await ctx.engine.dispose()


async def outbox(ctx: Context) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list(await conn.execute(select(Outbox).order_by(Outbox.id)))


async def inbound(ctx: Context) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list(await conn.execute(select(Inbound).order_by(Inbound.id)))


def signature(path: str, form: dict[str, str], base: str = PUBLIC, token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(base + path, form))


class Webhooks:
    """The HTTP app as `zaadje serve` builds it, driven by aiohttp's test client."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def post(
        self, path: str, form: dict[str, str], sign: str | None = "ok", **kw: Any
    ) -> tuple[int, str, str]:
        headers = {}
        if sign == "ok":
            headers["X-Twilio-Signature"] = signature(path, form)
        elif sign is not None:
            headers["X-Twilio-Signature"] = sign
        response = await self.client.post(path, data=form, headers=headers, **kw)
        return response.status, response.headers.get("Content-Type", ""), await response.text()

    async def settled(self) -> None:
        """Until the background handling of what was posted has finished."""
        await self.client.app[TWILIO_WEBHOOKS].background.idle()


@asynccontextmanager
async def webhooks(settings: Settings, ctx: Context) -> AsyncIterator[Webhooks]:
    app = build_app(Services(settings, ctx.engine, ctx))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Webhooks(client)


def sms_form(sid: str, text: str, sender: str = PHONE) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": FROM,
        "Body": text,
        "NumMedia": "0",
        "NumSegments": "1",
    }


def status_form(sid: str, status: str, error: str | None = None) -> dict[str, str]:
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "From": FROM,
        "To": PHONE,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    }
    if error:
        form["ErrorCode"] = error
    return form
