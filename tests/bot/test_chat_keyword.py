"""A resident who answers "CHAT" by SMS gets a fresh link code by SMS once Telegram is
configured; without Telegram the word is just a reply a person reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from store.engine import make_engine
from store.models import Outbox, table_of
from tests.conftest import Cli, run_sync

outbox_t = table_of(Outbox)

PHONE = "+31612345678"
SIGNALS = (
    "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
    f"A-1,Huur,640,2026-10-20,Jansen,12,1234AB,{PHONE}\n"
)


def _town(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "signals.csv"
    path.write_text(SIGNALS, encoding="utf-8")
    cli.json("ingest", str(path), "--now", "2026-11-02T08:00")
    assert cli.json("tick", "--now", "2026-11-02T09:00")["sent"] == 1


def _configure_telegram(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = workdir / "gemeente.toml"
    config.write_text('[telegram]\nbot_name = "@VoorbeeldstadHelptBot"\n', encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("ZAADJE_SECRET_KEY", "k" * 32)


def test_chat_asks_for_a_code_by_sms_when_telegram_is_configured(
    cli: Cli, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure_telegram(workdir, monkeypatch)
    _town(cli, tmp_path)

    handled = cli.json("reply", "--channel", "sms", "--sender", PHONE, "--text", "Chat!",
                       "--now", "2026-11-02T10:00")  # fmt: skip
    assert handled["intent"] == "chat" and handled["actions"] == ["send chat.link_code"]
    (offer,) = [m for m in cli.json("outbox", "--all") if m["message_key"] == "chat.link_code"]
    assert offer["to"] == PHONE and offer["channel"] == "sms"


def test_without_telegram_chat_is_an_ordinary_reply(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    handled = cli.json("reply", "--channel", "sms", "--sender", PHONE, "--text", "chat",
                       "--now", "2026-11-02T10:00")  # fmt: skip
    assert handled["intent"] != "chat"
    keys = [m["message_key"] for m in cli.json("outbox", "--all")]
    assert "chat.link_code" not in keys and re.search(r"review|not_understood", str(handled))


def test_once_sent_the_code_is_kept_nowhere_in_clear(
    cli: Cli, tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure_telegram(workdir, monkeypatch)
    _town(cli, tmp_path)
    cli.json("reply", "--channel", "sms", "--sender", PHONE, "--text", "chat",
             "--now", "2026-11-02T10:00")  # fmt: skip
    # The simulated SMS channel stands in for Twilio here (only Telegram is configured).
    cli.json("tick", "--now", "2026-11-02T10:05")
    (offer,) = [m for m in cli.json("outbox") if m["message_key"] == "chat.link_code"]
    assert "@VoorbeeldstadHelptBot" in offer["text"] and "••••••" in offer["text"]
    assert "code" not in run_sync(lambda: _link_code_values(cli.db))


async def _link_code_values(db: str) -> dict[str, object]:
    engine = make_engine(db)
    try:
        async with engine.connect() as conn:
            values = await conn.scalar(
                select(outbox_t.c["values"]).where(outbox_t.c.message_key == "chat.link_code")
            )
    finally:
        await engine.dispose()
    assert isinstance(values, dict), "the link code's message is in the outbox"
    return values
