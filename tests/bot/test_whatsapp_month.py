"""The replayed month (tests/monitor/replay.py) against the fake Twilio, once with SMS alone
and once preferring WhatsApp: every case ends the same way. In the WhatsApp month the
residents answer by WhatsApp, one of them is not on WhatsApp (63003: SMS from then on), and
nobody ever gets the same message twice."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bot.twilio_kit import ACCOUNT, TOKEN
from tests.bot.whatsapp_kit import whatsapp_config
from tests.conftest import Cli, fresh_database
from tests.fakes.twilio import FakeTwilio
from tests.monitor.replay import PHONES, Month

pytestmark = pytest.mark.slow

NOT_ON_WHATSAPP = "V"
NOVEMBER = (
    "--from",
    "2026-11-01",
    "--to",
    "2026-11-30",
)  # the resident whose phone call reaches them


class ThreadedFake:
    """The fake Twilio on a loop of its own: the CLI runs its own loop in the test's thread."""

    def __init__(self) -> None:
        self.fake = FakeTwilio(ACCOUNT, TOKEN)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class WhatsAppMonth(Month):
    def reply(self, who: str, text: str, now: str) -> None:
        channel = "sms" if who == NOT_ON_WHATSAPP else "whatsapp"
        self.cli.json(
            "reply", "--channel", channel, "--sender", PHONES[who], "--text", text, "--now", now
        )


def endings(cli: Cli) -> dict[str, tuple[Any, ...]]:
    """Each case by its first signal: how it ended (or stands)."""
    return {
        min(f"{d['partner']}/{d['id']}" for d in case["signal_details"]): (
            case["state"],
            case.get("result"),
            case.get("stage"),
        )
        for case in cli.json("cases")
    }


@pytest.fixture
def twilio_env(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> Iterator[FakeTwilio]:
    with ThreadedFake() as fake:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        monkeypatch.setenv("TWILIO_FROM", "+3197010203040")
        monkeypatch.setenv("TWILIO_API_BASE", fake.base_url)
        yield fake


def test_a_month_preferring_whatsapp_ends_every_case_as_with_sms_alone(
    request: pytest.FixtureRequest,
    twilio_env: FakeTwilio,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = twilio_env
    results = {}
    reports: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    for run, month_class in (("sms", Month), ("whatsapp", WhatsAppMonth)):
        folder = tmp_path / run
        folder.mkdir()
        if run == "whatsapp":
            monkeypatch.setenv("ZAADJE_CONFIG", whatsapp_config(folder, fake))
            fake.not_on_whatsapp(PHONES[NOT_ON_WHATSAPP])
        databases = fresh_database(request, "sqlite", folder)
        cli = Cli(next(databases), capsys)
        before = len(fake.created)
        month_class(cli, folder).replay()
        results[run] = (endings(cli), fake.created[before:])
        reports[run] = cli.json("monitor", *NOVEMBER, "--now", "2026-12-02T12:00")
        exports[run] = cli.json(
            "export", "ddas", *NOVEMBER, "--gemeentecode", "0518", "--now", "2026-12-02T12:00"
        )
    sms_endings, by_sms = results["sms"]
    whatsapp_endings, by_whatsapp = results["whatsapp"]
    assert whatsapp_endings == sms_endings
    results_seen = {ending[1] for ending in sms_endings.values()}
    assert {"Inwoner heeft zelf al betaald/betalingsregeling getroffen", None} <= results_seen
    assert any(m["to"].startswith("whatsapp:") for m in by_whatsapp)
    assert not any(m["to"].startswith("whatsapp:") for m in by_sms)
    # The resident without WhatsApp got everything by SMS, once.
    assert not [m for m in by_whatsapp if m["to"] == f"whatsapp:{PHONES[NOT_ON_WHATSAPP]}"]
    # The monitor shows what each channel carried; the DDAS delivery counts WhatsApp as
    # SMS/Whatsapp, attempt for attempt as in the SMS month.
    (by_channel,) = [
        s["values"] for s in reports["whatsapp"]["sections"] if s["key"] == "reach_by_channel"
    ]
    assert by_channel["whatsapp_sent"] > 0 and by_channel["whatsapp_answered"] >= 1
    assert by_channel["whatsapp_rerouted"] >= 1  # the first SMS to the resident without it
    (sms_month,) = [
        s["values"] for s in reports["sms"]["sections"] if s["key"] == "reach_by_channel"
    ]
    assert sms_month["whatsapp_sent"] == 0 and sms_month["sms_sent"] > 0
    soorten = {
        run: sorted(
            a["soort"]
            for case in document["leveringen"][0]["vroegsignaalzaken"]
            for a in case["contactpogingen"]
        )
        for run, document in exports.items()
    }
    assert "SMS/Whatsapp" in soorten["whatsapp"]
    assert soorten["whatsapp"] == soorten["sms"]
    # Nobody got the same text twice, by either channel.
    for created in (by_sms, by_whatsapp):
        texts = Counter((m["to"].removeprefix("whatsapp:"), m["body"]) for m in created)
        assert max(texts.values()) == 1, texts.most_common(3)
