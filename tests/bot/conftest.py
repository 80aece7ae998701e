"""Fixtures of the Twilio tests.

`fake`: the local fake of Twilio's REST API (tests/fakes/twilio.py), running for the test.

`twilio_town`: `await twilio_town(phones=(PHONE,), **settings)` gives `(settings, ctx)`:
cases for these phone numbers taken in on Monday morning on the test's fresh database
(`db_url`), nothing sent yet, the SMS channel the real Twilio channel pointed at `fake`. Every
context it made is closed after the test, also when the test fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, Protocol

import pytest

from app.settings import Settings
from scheduler.context import Context
from tests.bot.twilio_kit import ACCOUNT, PHONE, TOKEN, close, open_town
from tests.fakes.twilio import FakeTwilio


class TwilioTown(Protocol):
    def __call__(
        self, phones: tuple[str, ...] = (PHONE,), **overrides: Any
    ) -> Awaitable[tuple[Settings, Context]]: ...


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(ACCOUNT, TOKEN) as server:
        yield server


@pytest.fixture
async def twilio_town(db_url: str, tmp_path: Path, fake: FakeTwilio) -> AsyncIterator[TwilioTown]:
    opened: list[Context] = []

    async def make(
        phones: tuple[str, ...] = (PHONE,), **overrides: Any
    ) -> tuple[Settings, Context]:
        settings, ctx = await open_town(db_url, tmp_path, fake, phones, **overrides)
        opened.append(ctx)
        return settings, ctx

    try:
        yield make
    finally:
        for ctx in opened:
            await close(ctx)
