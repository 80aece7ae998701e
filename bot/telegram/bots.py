"""Making an aiogram Bot for the configured token and Bot API base (tests: a local fake)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer


def make_bot(token: str, api_base: str | None = None, timeout: float = 30.0) -> Bot:
    server = TelegramAPIServer.from_base(api_base.rstrip("/")) if api_base else PRODUCTION
    return Bot(token, session=AiohttpSession(api=server, timeout=timeout))
