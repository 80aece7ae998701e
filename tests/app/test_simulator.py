"""The resident simulator, through HTTP against the real application, on SQLite and
PostgreSQL: what a demo resident received, answering as them, and when it is not there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from sqlalchemy import func, select

from app.services import Services
from app.settings import load_settings
from app.web import build_app
from app.wiring import context_for
from clock import Calendar
from store.engine import make_engine
from store.models import Inbound, Outbox, Task, table_of
from tests.conftest import Cli

PHONE = "+31612345678"
MASKED = "+316******78"
ALWAYS_OPEN = """
[contact_hours]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
respect_holidays = false
"""
HEADER = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"

def on_a_working_day() -> datetime:
    """Now, or the same time on the last working day before (in the municipality's time):
    the plan starts outreach on working days only, and the simulator serves the real clock."""
    calendar, now = Calendar(), datetime.now(UTC)
    while not calendar.is_working_day(calendar.local_date(now)):
        now -= timedelta(days=1)
    return now


outbox_t = table_of(Outbox)
inbound_t = table_of(Inbound)
tasks_t = table_of(Task)


@pytest.fixture
def contacted(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One resident who got the first SMS a moment ago (contact hours always open, so the
    test does not depend on the time of day it runs)."""
    config = tmp_path / "zaadje.toml"
    config.write_text(ALWAYS_OPEN, encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    now = on_a_working_day()
    signal_date = (now - timedelta(days=40)).date().isoformat()
    csv = tmp_path / "signals.csv"
    csv.write_text(HEADER + f"S-1,Huur,640,{signal_date},Proefhuis,1,9991AA,{PHONE}\n")
    cli.json("ingest", str(csv), "--now", (now - timedelta(minutes=5)).isoformat())
    assert cli.json("tick", "--now", now.isoformat())["sent"] == 1
    (first,) = cli.json("outbox")
    return first


@pytest.fixture
async def client(db_url: str, contacted: dict[str, Any]) -> AsyncIterator[TestClient[Any, Any]]:
    async with _client(db_url) as c:
        yield c


class _client:
    """The whole application (`build_app`) as `zaadje serve` builds it, on a test server."""

    def __init__(self, db_url: str) -> None:
        self.settings = load_settings(db_url)
        self.engine = make_engine(self.settings.database_url)

    async def __aenter__(self) -> TestClient[Any, Any]:
        services = Services(self.settings, self.engine, context_for(self.settings, self.engine))
        self.client: TestClient[Any, Any] = TestClient(TestServer(build_app(services)))
        await self.client.start_server()
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        await self.engine.dispose()


async def read(db_url: str, query: Any) -> list[Any]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.scalars(query)).all())
    finally:
        await engine.dispose()


def token_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every page with a form carries the CSRF token"
    return found.group(1)


async def test_the_list_shows_what_each_resident_received(
    client: TestClient[Any, Any], contacted: dict[str, Any]
) -> None:
    page = await client.get("/simulator/")
    html = await page.text()
    assert page.status == 200
    assert "Simulatie — geen echte berichten" in html
    assert str(escape(contacted["text"])) in html  # the first SMS, word for word
    assert MASKED in html and PHONE not in html  # the number masked, never whole
    assert "Zaak " in html and "ontvangen" in html
    # No external assets, no JavaScript: it works offline and anywhere.
    assert "<script" not in html
    assert all(ref.startswith("/") for ref in re.findall(r'(?:href|src|action)="([^"]*)"', html))
    css = await client.get("/simulator/static/simulator.css")
    assert css.status == 200 and css.content_type == "text/css"


async def test_answering_1_as_the_resident_moves_the_case_up_the_ladder(
    client: TestClient[Any, Any], contacted: dict[str, Any], db_url: str
) -> None:
    case = contacted["case"]
    page = await client.get(f"/simulator/residents/{case}")
    token = token_of(await page.text())

    answered = await client.post(
        f"/simulator/residents/{case}/reply",
        data={"csrf_token": token, "channel": "sms", "text": "1"},
        allow_redirects=False,
    )
    assert answered.status == 303
    assert answered.headers["Location"] == f"/simulator/residents/{case}"
    html = await (await client.get(answered.headers["Location"])).text()
    # What they sent, as understood, in words (not the parser's `menu_call`).
    assert 'class="msg in"' in html and "begrepen als “Wil gebeld worden”" in html
    assert "menu_call" not in html
    assert "nog niet verstuurd (sms.callback.ask_daypart)" in html  # the question is queued

    # "Run the scheduler now": the question goes out, as the worker would send it.
    ticked = await client.post(
        "/simulator/tick",
        data={"csrf_token": token, "next": f"/simulator/residents/{case}"},
        allow_redirects=False,
    )
    assert ticked.status == 303
    assert ticked.headers["Location"] == f"/simulator/residents/{case}?verstuurd=1"
    html = await (await client.get(ticked.headers["Location"])).text()
    assert "1 bericht(en) verstuurd" in html
    assert "sms.callback.ask_daypart" not in html  # rendered and received now

    await client.post(
        f"/simulator/residents/{case}/reply",
        data={"csrf_token": token, "channel": "sms", "text": "'s avonds graag"},
    )
    html = await (await client.get(f"/simulator/residents/{case}")).text()
    # A caseworker now has a call-back to make.
    assert "terugbellen · Nog niet opgepakt · Avond" in html

    # The same facts straight from the database.
    keys = await read(
        db_url,
        select(outbox_t.c.message_key).where(outbox_t.c.case_id == case).order_by(outbox_t.c.id),
    )
    kinds = await read(db_url, select(tasks_t.c.kind))
    assert keys[:2] == ["sms.first_contact", "sms.callback.ask_daypart"]
    assert "callback" in kinds


async def test_a_post_without_a_valid_token_is_refused_and_changes_nothing(
    client: TestClient[Any, Any], contacted: dict[str, Any], db_url: str
) -> None:
    case = contacted["case"]
    token = token_of(await (await client.get(f"/simulator/residents/{case}")).text())
    for data in (
        {"channel": "sms", "text": "1"},
        {"channel": "sms", "text": "1", "csrf_token": "forged"},
        {"channel": "sms", "text": "1", "csrf_token": "vervalsté"},  # not ASCII: no 500
    ):
        refused = await client.post(f"/simulator/residents/{case}/reply", data=data)
        assert refused.status == 403
    assert (await client.post("/simulator/tick", data={"next": "/simulator/"})).status == 403
    # An empty answer is a clear error, not a silent no-op.
    empty = await client.post(
        f"/simulator/residents/{case}/reply",
        data={"csrf_token": token, "channel": "sms", "text": "   "},
    )
    assert empty.status == 400 and "Typ eerst een bericht" in await empty.text()
    assert await read(db_url, select(func.count()).select_from(inbound_t)) == [0]


async def test_an_unknown_resident_is_404(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/simulator/residents/999999")).status == 404
    # A number no database column holds: still 404, not a 500 with a traceback.
    assert (await client.get("/simulator/residents/" + "9" * 40)).status == 404


async def test_odd_input_gets_a_page_or_a_clear_400_never_a_500(
    client: TestClient[Any, Any], contacted: dict[str, Any]
) -> None:
    for notice in ("²", "9" * 5000, "-1"):
        page = await client.get("/simulator/", params={"verstuurd": notice})
        assert page.status == 200 and "De planner heeft" not in await page.text()
    case = contacted["case"]
    odd = await client.post(
        f"/simulator/residents/{case}/reply",
        data=b"text=1",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=no-such-charset"},
    )
    assert (odd.status, await odd.text()) == (400, "Dit formulier kan niet gelezen worden.")


async def test_with_twilio_configured_there_is_no_simulator(
    db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("TWILIO_FROM", "+3197010000000")
    async with _client(db_url) as client:
        for path in ("/simulator/", "/simulator/residents/1"):
            assert (await client.get(path)).status == 404
        assert (await client.post("/simulator/tick")).status in (404, 405)
        assert (await client.get("/healthz")).status == 200


class _Peer:
    """A connection's transport as aiohttp sees it: only the peer's address matters here."""

    def __init__(self, address: str) -> None:
        self.address = address

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.address, 50000) if name == "peername" else default


async def test_the_simulator_answers_only_this_machine() -> None:
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from app.web_simulator import _this_machine_only

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(text="conversations")

    def request(path: str, peer: str) -> web.Request:
        return make_mocked_request("GET", path, transport=_Peer(peer))

    assert (await _this_machine_only(request("/simulator/", "127.0.0.1"), page)).status == 200
    assert (await _this_machine_only(request("/simulator/", "::1"), page)).status == 200
    with pytest.raises(web.HTTPForbidden):
        await _this_machine_only(request("/simulator/", "192.0.2.7"), page)
    # Other routes are not the simulator's business.
    assert (await _this_machine_only(request("/healthz", "192.0.2.7"), page)).status == 200


@pytest.fixture
def contacted_preferring_whatsapp(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    config = tmp_path / "zaadje.toml"
    config.write_text(ALWAYS_OPEN + '\n[channels]\norder = ["whatsapp", "sms"]\n', "utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    now = on_a_working_day()
    csv = tmp_path / "signals.csv"
    signal_date = (now - timedelta(days=40)).date().isoformat()
    csv.write_text(HEADER + f"S-1,Huur,640,{signal_date},Proefhuis,1,9991AA,{PHONE}\n")
    cli.json("ingest", str(csv), "--now", (now - timedelta(minutes=5)).isoformat())
    cli.json("tick", "--now", now.isoformat())  # no template configured: the first one by SMS
    (first,) = cli.json("outbox")
    return first


async def test_with_whatsapp_preferred_a_resident_answers_by_whatsapp_and_is_answered_so(
    db_url: str, contacted_preferring_whatsapp: dict[str, Any]
) -> None:
    case = contacted_preferring_whatsapp["case"]
    async with _client(db_url) as client:
        page = await (await client.get(f"/simulator/residents/{case}")).text()
        assert '<option value="whatsapp">WhatsApp</option>' in page
        await client.post(
            f"/simulator/residents/{case}/reply",
            data={"csrf_token": token_of(page), "channel": "whatsapp", "text": "1"},
        )
        await client.post(
            "/simulator/tick",
            data={"csrf_token": token_of(page), "next": f"/simulator/residents/{case}"},
        )
        html = await (await client.get(f"/simulator/residents/{case}")).text()
    # Their WhatsApp message, and our answer by WhatsApp inside the 24-hour window.
    assert html.count("· WhatsApp") >= 2
    channels = await read(
        db_url,
        select(outbox_t.c.channel).where(outbox_t.c.case_id == case).order_by(outbox_t.c.id),
    )
    assert channels == ["sms", "whatsapp"]
