"""Structured logs without personal data: one JSON line per event, phone numbers, chat ids,
e-mail addresses and BSNs masked wherever they appear, message bodies never written — also
end to end, through a running `zaadje serve` that handles a resident's SMS."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from app.logfmt import mask
from app.logs import configure_logging
from tests.app.test_serve import start_serve, write_config
from tests.conftest import Cli


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("+31612345678", "+316******78"),
        ("06 12345678", "06******78"),
        ("06-1234 5678", "06******78"),
        ("+31 6 10000002", "+316******02"),
        ("+44 7700 900123", "+447*******23"),  # a fictional range: not "valid", still masked
        ("bsn 123456782", "bsn *******82"),
        ("chat -1001234567890", "chat -***********90"),
        ("chat 987654321", "chat *******21"),
        ("jan.de.vries@example.nl", "j***@***.nl"),
        ("%2B31612345678", "%2B*********78"),  # URL-encoded: the digit run is caught
    ],
)
def test_personal_data_is_masked(raw: str, shown: str) -> None:
    assert mask(raw) == shown


@pytest.mark.parametrize(
    "kept",
    [
        "2026-11-27T06:13:01.123+00:00",
        "due 2026-11-27 06:00:00+00:00",
        "case 42 moved to phone_1 (version 3)",
        "dispatched 500 messages in 0.25 s",
        "database postgresql://postgres@127.0.0.1:5432/zaadje",
    ],
)
def test_times_ids_and_counts_stay_readable(kept: str) -> None:
    assert mask(kept) == kept


@pytest.fixture
def restored() -> Iterator[None]:
    """Logging configured by a test is undone after it."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture
def captured(restored: None) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_record_is_one_json_line_with_masked_message_args_fields_and_traceback(
    captured: io.StringIO,
) -> None:
    log = logging.getLogger("zaadje.test")
    log.info("reply from %s", "+31612345678", extra={"case": 7, "to": "0612345678"})
    try:
        raise ValueError("cannot parse sender +31687654321\nsecond line")
    except ValueError:
        log.exception("handling failed", extra={"text": "Bel me op 0611111111 aub"})
    logging.getLogger("some.library").warning("user mail: a.b@example.com, bsn=123456782")

    first, second, third = lines(captured)
    assert set(first) >= {"time", "level", "logger", "event"}
    assert first["level"] == "info" and first["logger"] == "zaadje.test"
    assert first["event"] == "reply from +316******78"
    assert first["case"] == 7 and first["to"] == "06******78"  # ids kept, numbers masked
    assert second["text"] == "[removed]"  # a message body is dropped, masked or not
    assert "ValueError: cannot parse sender +316******21" in second["exc"]
    assert third["event"] == "user mail: a***@***.com, bsn=*******82"
    everything = captured.getvalue()
    for secret in ("612345678", "687654321", "0611111111", "Bel me", "a.b@", "123456782"):
        assert secret not in everything


def test_by_default_lines_go_to_whatever_stderr_is_now(
    restored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging()
    configure_logging()  # configuring twice replaces the handler: one line per event
    logging.getLogger("zaadje.test").warning("sender %s", "0612345678")
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["event"] == "sender 06******78"


def test_library_warnings_become_masked_log_lines(captured: io.StringIO) -> None:
    import warnings

    warnings.warn("number +31612345678 deprecated", DeprecationWarning, stacklevel=1)
    (line,) = lines(captured)
    assert line["logger"] == "py.warnings" and "+316******78" in line["event"]


# -- end to end: a resident's SMS through a running `zaadje serve` ---------------------------

PHONE = "+31612345678"
OTHER_NUMBER = "0687654321"
BODY = f"Bel mij liever op {OTHER_NUMBER}, groet Zonnebloemstraat"
HEADER = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"


def test_serve_logs_neither_the_number_nor_the_body_of_an_inbound_sms(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    csv = tmp_path / "signals.csv"
    signal_date = (now - timedelta(days=40)).date().isoformat()
    csv.write_text(HEADER + f"S-1,Huur,640,{signal_date},Proefhuis,1,9991AA,{PHONE}\n")
    case = cli.json("ingest", str(csv), "--now", now.isoformat())
    assert case["cases_opened"] == 1
    directory = tmp_path / "serve"
    directory.mkdir()
    served = start_serve(db_url, write_config(directory), directory)
    try:
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = browser.open(f"{served.base}/simulator/residents/1", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        form = {"csrf_token": token.group(1), "channel": "sms", "text": BODY}
        answered = browser.open(
            f"{served.base}/simulator/residents/1/reply",
            data=urllib.parse.urlencode(form).encode(),
            timeout=10,
        )
        assert "Zonnebloemstraat" in answered.read().decode()  # handled and shown on the page
        # A query string with a phone number, as a careless monitoring probe might send.
        browser.open(f"{served.base}/healthz?tel={urllib.parse.quote(PHONE)}", timeout=10)
    finally:
        assert served.stop() == 0
    stderr = served.stderr.read_text()
    events = served.log_lines()
    assert any(e.get("path") == "/simulator/residents/1/reply" for e in events)
    assert any(e.get("path") == "/healthz" for e in events)  # logged, without its query
    for secret in (PHONE, PHONE[1:], PHONE[3:], OTHER_NUMBER, "Zonnebloem", "Bel mij", "tel="):
        assert secret not in stderr, f"{secret!r} leaked into the log"
