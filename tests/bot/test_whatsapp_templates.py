"""`zaadje whatsapp templates | submit | status`: the catalogue's template-bound texts as
Content API payloads, created at the (fake) Twilio with an approval request, and their
approval status read back for the desk."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main
from messages import render
from messages.whatsapp import TEMPLATE_KEYS
from store.engine import make_engine
from store.whatsapp_models import WhatsAppTemplate
from tests.bot.twilio_kit import ACCOUNT, TOKEN
from tests.bot.whatsapp_kit import WHATSAPP_FROM
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_FROM", "+3197010203040")
    monkeypatch.setenv("TWILIO_API_BASE", fake.base_url)


async def zaadje(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def test_templates_are_payloads_with_numbered_variables_and_buttons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "templates.json"
    assert await zaadje("whatsapp", "templates", "--out", str(out)) == 0
    payloads = json.loads(out.read_text(encoding="utf-8"))
    assert {p["key"] for p in payloads} == set(TEMPLATE_KEYS)
    (first,) = [p for p in payloads if (p["key"], p["language"]) == ("sms.first_contact", "nl")]
    content = first["content"]
    body = content["types"]["twilio/text"]["body"]
    # Our placeholders as WhatsApp's numbered variables, in order, with sample values.
    filled = body.replace("{{1}}", "Utrecht").replace("{{2}}", "14 030")
    assert filled == render("sms.first_contact", "nl", gemeente="Utrecht", telefoon="14 030")
    assert set(content["variables"]) == {"1", "2"}
    # The reply menu as quick replies whose ids come back as ButtonPayload.
    actions = content["types"]["twilio/quick-reply"]["actions"]
    assert [a["id"] for a in actions] == ["menu:1", "menu:2", "menu:3"]
    assert content["friendly_name"] == "zaadje_first_contact_nl"
    # A text without the menu has no buttons.
    (visit,) = [
        p for p in payloads if (p["key"], p["language"]) == ("sms.home_visit_announce", "nl")
    ]
    assert "twilio/quick-reply" not in visit["content"]["types"]
    assert set(visit["content"]["variables"]) == {"1", "2", "3", "4"}


async def test_submit_creates_asks_approval_and_status_reads_it_back(
    tmp_path: Path,
    fake: FakeTwilio,
    twilio_env: None,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await zaadje("db", "upgrade", "--db", db_url) == 0
    capsys.readouterr()
    assert (
        await zaadje("whatsapp", "submit", "--key", "sms.reminder", "--db", db_url, "--json") == 0
    )
    created: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    assert {c["language"] for c in created} >= {"nl", "en"}
    assert all(fake.approvals[c["sid"]]["status"] == "received" for c in created)
    assert all(fake.approvals[c["sid"]]["category"] == "UTILITY" for c in created)
    nl = next(c["sid"] for c in created if c["language"] == "nl")
    en = next(c["sid"] for c in created if c["language"] == "en")
    fake.approve(nl)
    fake.reject(en, "wording")
    config = tmp_path / "zaadje.toml"
    config.write_text(
        f'[channels]\norder = ["whatsapp", "sms"]\n[whatsapp]\nfrom = "{WHATSAPP_FROM}"\n'
        f'[whatsapp.templates."sms.reminder"]\nnl = "{nl}"\nen = "{en}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    code = await zaadje("whatsapp", "status", "--db", db_url, "--json")
    assert code == 0, capsys.readouterr().err
    statuses = {r["language"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert statuses == {"nl": "approved", "en": "rejected"}
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = {r.locale: r for r in await conn.execute(select(WhatsAppTemplate))}
    finally:
        await engine.dispose()
    assert rows["en"].rejection_reason == "wording"
    assert rows["nl"].body is not None and "{{1}}" in rows["nl"].body


async def test_status_without_templates_or_twilio_says_what_is_missing(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZAADJE_CONFIG", raising=False)
    assert await zaadje("whatsapp", "status", "--db", db_url) == 2
    assert "no templates configured" in capsys.readouterr().err
