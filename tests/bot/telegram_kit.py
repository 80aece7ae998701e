"""Shared by the Telegram tests: a town with one resident's case, the real aiogram Bot against
the fake Bot API, the update handler with a clock the test moves, and update builders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.settings import Settings
from app.wiring import context_for
from bot.telegram.deps import TelegramDeps
from bot.telegram.handling import UpdateHandler
from casework.chat_offer import offer_chat
from scheduler.context import Context
from signals.intake import IntakeSettings, ingest_file
from store.engine import make_engine
from store.models import Case, Inbound, OptOut, Outbox
from tests.fakes.telegram import TOKEN, FakeTelegram

PHONE = "+31612345678"
CHAT = 777000111
STRANGER = 555000222
SECRET = "webhook-secret-ABC"
MONDAY = datetime.fromisoformat("2026-11-02T10:00:00+01:00")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Town:
    settings: Settings
    ctx: Context
    fake: FakeTelegram
    handler: UpdateHandler
    clock: Clock
    case_id: int
    next_update: int = 1000

    @property
    def engine(self) -> Any:
        return self.ctx.engine

    def uid(self) -> int:
        self.next_update += 1
        return self.next_update

    async def send(self, payload: dict[str, Any]) -> bool:
        return await self.handler.receive(payload, self.clock())

    async def text(self, text: str, chat: int = CHAT, language: str | None = "nl") -> bool:
        return await self.send(message(self.uid(), chat, text, language))

    async def press(self, data: str, chat: int = CHAT) -> bool:
        return await self.send(button(self.uid(), chat, data))

    async def offer(self) -> str:
        async with self.engine.begin() as conn:
            offered = await offer_chat(
                conn,
                self.case_id,
                self.clock(),
                secret_key=self.settings.secret_key,
                bot_name="@VoorbeeldBot",
                calendar=self.ctx.calendar,
            )
        return offered.code

    async def link(self, chat: int = CHAT) -> None:
        code = await self.offer()
        await self.text(code, chat)
        assert await self.chat_of_case() == str(chat)

    async def chat_of_case(self) -> str | None:
        async with self.engine.connect() as conn:
            found: str | None = await conn.scalar(
                select(Case.telegram_chat_id).where(Case.id == self.case_id)
            )
            return found

    async def case(self) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(Case).where(Case.id == self.case_id))).one()

    async def outbox(self) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(await conn.execute(select(Outbox).order_by(Outbox.id)))

    async def inbound(self) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(await conn.execute(select(Inbound).order_by(Inbound.id)))

    async def opt_outs(self) -> set[str]:
        async with self.engine.connect() as conn:
            return {a for (a,) in await conn.execute(select(OptOut.address))}


def settings_for(db_url: str, api_base: str) -> Settings:
    return Settings(
        database_url=db_url,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base=api_base,
        secret_key_value="link-code-key-for-tests",
    )


@asynccontextmanager
async def town(db_url: str, tmp: Path, language: str = "") -> AsyncIterator[Town]:
    """One resident with a rent arrears case (and a phone number), a fake Bot API, and the
    configured channels: SMS simulated, Telegram the real aiogram Bot against the fake."""
    async with FakeTelegram() as fake:
        settings = settings_for(db_url, fake.url)
        engine = make_engine(db_url)
        ctx = context_for(settings, engine)
        csv = tmp / "signals.csv"
        csv.write_text(
            "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,"
            "telefoonnummer,taal\n"
            f"A-1,Huur,640,2026-10-20,Jansen,12,1234AB,{PHONE},{language}\n",
            encoding="utf-8",
        )
        await ingest_file(
            engine, csv, None, MONDAY, IntakeSettings.from_config(settings.config, ctx.calendar)
        )
        async with engine.connect() as conn:
            case_id = int(await conn.scalar(select(Case.id)) or 0)
        clock = Clock(MONDAY)
        deps = TelegramDeps(engine, ctx.rules, settings.secret_key, ctx.values, clock)
        channel: Any = ctx.channels["telegram"]
        handler = UpdateHandler(channel.bot, deps)
        try:
            yield Town(settings, ctx, fake, handler, clock, case_id)
        finally:
            await channel.bot.session.close()
            await engine.dispose()


# -- updates as Telegram sends them ------------------------------------------------------------
def _user(chat: int, language: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": chat, "is_bot": False, "first_name": "Inwoner"}
    if language:
        user["language_code"] = language
    return user


def message(update_id: int, chat: int, text: str, language: str | None = "nl") -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_793_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Inwoner"},
        "from": _user(chat, language),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": body}


def button(update_id: int, chat: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _user(chat, "nl"),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_793_000_000,
                "chat": {"id": chat, "type": "private"},
                "text": "…",
            },
        },
    }


def member(update_id: int, chat: int, status: str) -> dict[str, Any]:
    bot_user = {"id": 123456789, "is_bot": True, "first_name": "Zaadje"}
    old = "member" if status == "kicked" else "kicked"
    until = {"until_date": 0} if status == "kicked" else {}
    old_until = {"until_date": 0} if old == "kicked" else {}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": chat, "type": "private"},
            "from": _user(chat, "nl"),
            "date": 1_793_000_000,
            "old_chat_member": {"status": old, "user": bot_user, **old_until},
            "new_chat_member": {"status": status, "user": bot_user, **until},
        },
    }
