"""`GET /metrics`: off by default, behind a bearer token on the main port or on a port of its
own, every series `zaadje_…`, the database's figures as they are, and no label that carries
personal data or free text after a small but busy replayed day (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import func, insert, select

from app.errors import UserError
from app.settings import Settings
from app.web_metrics import METHODS, METRICS, metrics_config, pass_observer
from monitor.operations import INGEST_OUTCOMES
from scheduler.worker import Worker
from store.engine import make_engine
from store.models import Outbox, Task, table_of
from tests.app.test_serve import start_serve, write_config
from tests.conftest import Cli, run_sync
from tests.serving import serving

outbox_t = table_of(Outbox)
tasks_t = table_of(Task)

TOKEN = "s3cret-metrics-token-0123456789"
HEADER = (
    "id,signaalpartner,signaalpartner_naam,bedrag,signaaldatum,voorletters,achternaam,"
    "straatnaam,huisnummer,postcode,plaatsnaam,telefoonnummer,crisissignaal,taal\n"
)
ANNA, BART, CARLA = "+31612345678", "+31623456789", "+31634567890"
ROWS = [
    f"A-1,Huur,Woonstad,812.50,2026-10-28,A.,Zwartbroek,Dorpsstraat,3,3511AB,Utrecht,{ANNA},nee,nl",
    f"B-1,Energie,Eneco,912.50,2026-10-28,B.,Kwakernaat,Laan,8,3512CD,Utrecht,{BART},ja,nl",
    f"C-1,Water,Vitens,40,2026-10-28,C.,Ploegmaker,Hof,1,3513EF,Utrecht,{CARLA},nee,nl",
    "D-1,Zorg,CZ,zeshonderdtwaalf,2026-10-28,D.,Vermeulenhof,Pad,2,3514GH,Utrecht,,nee,nl",
]
REPLY_TEXT = "Bel me maar morgen na tienen"
# What may appear as a label value, by label name.
OUTBOX_STATUSES = {"pending", "sending", "sent", "delivered", "held", "withdrawn", "failed"}
OUTBOX_STATUSES |= {"error", "undelivered", "cancelled", "rerouted"}
PASSES = {"dispatch", "timeouts", "news", "inbound", "plan", "purge", "capacity"}
TASK_KINDS = {"phone", "callback", "home_visit", "review", "letter", "card"}
ROUTE = re.compile(r"^(unmatched|(/([a-z0-9_.\-]+|\{[a-z_]+(:[^}]*)?\})?)+)$")
PERSONAL = [
    *(p for phone in (ANNA, BART, CARLA) for p in (phone, phone[3:])),
    "Zwartbroek", "Kwakernaat", "Ploegmaker", "Vermeulenhof", "zeshonderdtwaalf",
    "Dorpsstraat", "3511AB", "morgen", "tienen", "ria", "wrong-password",
]  # fmt: skip


NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


async def hold_one(db_url: str) -> None:
    """A message due for an hour at NOW that no pass has sent (as if the channel were down)."""
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(outbox_t).values(
                    idempotency_key="metrics-test-held", channel="sms", to_address=CARLA,
                    locale="nl", message_key="sms.first", values={}, status="pending",
                    not_before=NOW - timedelta(hours=1), created_at=NOW - timedelta(hours=1),
                )
            )  # fmt: skip
    finally:
        await engine.dispose()


def replay_day(cli: Cli, folder: Path) -> None:
    """Signals in (one rejected, one too small), a tick at 10:00, a reply from Anna."""
    path = folder / "signals.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    code, _, err = cli.run("ingest", str(path), "--now", "2026-11-02T09:00")
    assert code in (0, 1), err  # 1: a row was rejected, which the summary says
    cli.json("tick", "--now", "2026-11-02T10:00")
    cli.json("reply", "--channel", "sms", "--sender", ANNA, "--text", REPLY_TEXT,
             "--now", "2026-11-02T10:30")  # fmt: skip
    cli.json("tick", "--now", "2026-11-02T11:00")


@asynccontextmanager
async def running(db_url: str, config: Path) -> AsyncIterator[tuple[str, web.Application]]:
    settings = Settings(
        database_url=db_url, config_path=str(config), secret_key_value="test-secret-key"
    )
    async with serving(settings) as served:
        yield served.url, served.app


def config_file(folder: Path, body: str) -> Path:
    path = folder / "metrics.toml"
    path.write_text(body, encoding="utf-8")
    return path


async def get(url: str, token: str | None = None) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def failed_login(base: str) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/desk/login") as response:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
        assert found
        form = {"name": "ria", "password": "wrong-password", "csrf_token": found.group(1)}
        async with http.post(f"{base}/desk/login", data=form) as response:
            return response.status


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float | None:
    for sample in samples(text):
        if sample.name == name and sample.labels == labels:
            return sample.value
    return None


def test_metrics_are_off_by_default(db_url: str, workdir: Path) -> None:
    async def go() -> None:
        async with running(db_url, config_file(workdir, "")) as (base, app):
            assert METRICS not in app and pass_observer(app) is None
            assert (await get(f"{base}/metrics", TOKEN))[0] == 404
            assert (await get(f"{base}/healthz"))[0] == 200

    run_sync(go)


def test_a_busy_day_in_figures(cli: Cli, tmp_path: Path) -> None:
    replay_day(cli, tmp_path)
    run_sync(lambda: hold_one(cli.db))
    config = config_file(tmp_path, f'[metrics]\ntoken = "{TOKEN}"\n')

    async def go() -> str:
        async with running(cli.db, config) as (base, app):
            app[METRICS].now = lambda: NOW
            assert (await get(f"{base}/metrics"))[0] == 401
            assert (await get(f"{base}/metrics", TOKEN[:-1] + "x"))[0] == 401
            assert (await get(f"{base}/metrics", TOKEN + "x"))[0] == 401
            assert (await get(f"{base}/metrics", ""))[0] == 401
            assert await failed_login(base) == 401
            for path in ("/healthz", "/desk/cases/12345?x=" + ANNA, "/no/such/page"):
                await get(base + path)
            status, content_type, text = await get(f"{base}/metrics", TOKEN)
            assert status == 200 and content_type.startswith("text/plain")
            return text

    text = run_sync(go)
    names = {family.name for family in text_string_to_metric_families(text)}
    assert names >= {
        "zaadje_outbox_messages",
        "zaadje_outbox_due_messages",
        "zaadje_outbox_oldest_due_age_seconds",
        "zaadje_tasks_open",
        "zaadje_tasks_overdue",
        "zaadje_ingest_rows",
        "zaadje_ingest_runs",
        "zaadje_http_requests",
        "zaadje_http_request_duration_seconds",
        "zaadje_desk_login_failures",
        "zaadje_scheduler_pass_duration_seconds",
        "zaadje_scheduler_pass_last_success_timestamp_seconds",
    }
    assert all(s.name.startswith("zaadje_") for s in samples(text))

    # The database's figures, as they are.
    async def database() -> tuple[dict[tuple[str, str], int], dict[str, int], int]:
        engine = make_engine(cli.db)
        try:
            async with engine.connect() as conn:
                by_status = select(outbox_t.c.channel, outbox_t.c.status, func.count())
                messages = {
                    (c, s): n
                    for c, s, n in await conn.execute(
                        by_status.group_by(outbox_t.c.channel, outbox_t.c.status)
                    )
                }
                by_kind = select(tasks_t.c.kind, func.count()).where(
                    tasks_t.c.status.in_(("open", "claimed"))
                )
                grouped = await conn.execute(by_kind.group_by(tasks_t.c.kind))
                tasks = {str(kind): int(n) for kind, n in grouped}
                due = select(func.count()).where(
                    outbox_t.c.status == "pending",
                    outbox_t.c.not_before <= NOW,
                )
                return (
                    messages,
                    tasks,
                    (await conn.scalar(due) or 0),
                )
        finally:
            await engine.dispose()

    messages, tasks, due = run_sync(database)
    assert messages, "the day sent nothing"
    for (channel, status), count in messages.items():
        assert value(text, "zaadje_outbox_messages", channel=channel, status=status) == count
    shown = [s for s in samples(text) if s.name == "zaadje_outbox_messages"]
    assert sum(s.value for s in shown) == sum(messages.values())
    assert tasks, "the reply asked for a call"
    for kind, count in tasks.items():
        assert value(text, "zaadje_tasks_open", kind=kind) == count
    due_shown = [s.value for s in samples(text) if s.name == "zaadje_outbox_due_messages"]
    assert sum(due_shown) == due == 1
    assert value(text, "zaadje_outbox_oldest_due_age_seconds", channel="sms") == 3600
    assert value(text, "zaadje_ingest_rows_total", outcome="received") == 4
    assert value(text, "zaadje_ingest_rows_total", outcome="rejected") == 1
    assert value(text, "zaadje_ingest_rows_total", outcome="suppressed") == 1
    assert value(text, "zaadje_ingest_runs_total") == 1
    assert value(text, "zaadje_desk_login_failures_total", reason="credentials") == 1
    login = {"route": "/desk/login", "method": "POST", "status": "401"}
    assert value(text, "zaadje_http_requests_total", **login) == 1
    assert value(text, "zaadje_http_request_duration_seconds_count", **login) == 1
    case_page = {"route": "/desk/cases/{case_id}", "method": "GET"}
    assert any(
        s.name == "zaadje_http_requests_total" and s.labels.items() >= case_page.items()
        for s in samples(text)
    ), "the case page is counted by its pattern"
    assert value(text, "zaadje_http_requests_total", route="unmatched", method="GET",
                 status="404") == 1  # fmt: skip
    assert_vocabulary(text)


def assert_vocabulary(text: str) -> None:
    """Every label value is a word of the code's own: no phone number, name, text or id."""
    allowed: dict[str, set[str] | None] = {
        "channel": {"sms", "whatsapp", "telegram", "letter", "post"},
        "status": OUTBOX_STATUSES | {str(code) for code in range(100, 600)},
        "kind": TASK_KINDS,
        "pass": PASSES,
        "outcome": set(INGEST_OUTCOMES),
        "reason": {"credentials", "throttled"},
        "method": set(METHODS) | {"other"},
        "le": None,  # a histogram's bucket bound: a number
        "route": None,  # a route pattern
    }
    seen = 0
    for sample in samples(text):
        for label, given in sample.labels.items():
            seen += 1
            assert label in allowed, f"unexpected label {label!r} on {sample.name}"
            if label == "le":
                float(given)
            elif label == "route":
                assert ROUTE.match(given) and not re.search(r"/\d", given), given
            else:
                assert given in (allowed[label] or ()), f"{sample.name} {label}={given!r}"
            assert not any(trace.lower() in given.lower() for trace in PERSONAL), given
    assert seen > 50


def test_scheduler_passes_are_timed(db_url: str, workdir: Path) -> None:
    config = config_file(workdir, f'[metrics]\ntoken = "{TOKEN}"\n')

    async def go() -> str:
        async with running(db_url, config) as (base, app):
            from app.web import SERVICES

            intervals = dict.fromkeys(PASSES - {"capacity"}, 3600.0)
            worker = Worker(app[SERVICES].context, intervals, pass_observer(app))
            registry = app[METRICS].registry
            worker.start()
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    last = [
                        registry.get_sample_value(
                            "zaadje_scheduler_pass_last_success_timestamp_seconds", {"pass": p}
                        )
                        for p in PASSES
                    ]
                    if all(last):
                        break
                    await asyncio.sleep(0.05)
            finally:
                await worker.stop()
            return (await get(f"{base}/metrics", TOKEN))[2]

    text = run_sync(go)
    for name in PASSES:
        assert value(text, "zaadje_scheduler_pass_duration_seconds_count", **{"pass": name}) == 1
        success = value(
            text, "zaadje_scheduler_pass_last_success_timestamp_seconds", **{"pass": name}
        )
        assert success is not None and abs(success - time.time()) < 60
    assert_vocabulary(text)


def test_a_port_of_its_own_under_serve(db_url: str, workdir: Path) -> None:
    """`zaadje serve` with `[metrics] port`: the main port has no /metrics, the other one
    answers, and the scheduler of serve reports its passes there."""
    from tests.app.test_serve import free_port

    port = free_port()
    served = start_serve(db_url, write_config(workdir, f"\n[metrics]\nport = {port}\n"), workdir)
    try:

        async def go() -> tuple[int, int, str]:
            main = (await get(f"{served.base}/metrics"))[0]
            deadline = time.monotonic() + 30
            while True:
                status, _, text = await get(f"http://127.0.0.1:{port}/metrics")
                # Wait for the dispatch pass itself: the passes start one after the other.
                if 'pass="dispatch"' in text or time.monotonic() > deadline:
                    return main, status, text
                await asyncio.sleep(0.2)

        main, status, text = run_sync(go)
    finally:
        assert served.stop() == 0
    assert main == 404
    assert status == 200
    assert value(text, "zaadje_ingest_runs_total") == 0
    assert any(s.labels.get("pass") == "dispatch" for s in samples(text))
    assert_vocabulary(text)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"token": "short"}, "token: at least 16 characters"),
        ({"token": 12}, "token: not a string"),
        ({"port": "9100"}, "port: not a port number"),
        ({"port": 70000}, "port: not a port number"),
        ({"port": True}, "port: not a port number"),
        ({"host": ""}, "host: not an address"),
        ({"tokn": "x"}, "unknown key(s): tokn"),
    ],
)
def test_the_section_is_checked(section: dict[str, object], message: str) -> None:
    with pytest.raises(UserError) as caught:
        metrics_config({"metrics": section})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith("config [metrics]")


def test_defaults_switch_it_off() -> None:
    from app.config import load_config

    assert not metrics_config(load_config(None)).enabled


def test_a_port_of_its_own_still_asks_for_the_token(db_url: str, workdir: Path) -> None:
    from tests.app.test_serve import free_port

    port = free_port()
    config = config_file(workdir, f'[metrics]\ntoken = "{TOKEN}"\nport = {port}\n')

    async def go() -> None:
        async with running(db_url, config) as (base, _):
            own = f"http://127.0.0.1:{port}/metrics"
            assert (await get(f"{base}/metrics", TOKEN))[0] == 404
            assert (await get(own))[0] == 401
            assert (await get(own, "Bearer " + TOKEN))[0] == 401
            status, _, text = await get(own, TOKEN)
            assert status == 200 and "zaadje_outbox_due_messages" in text
        with pytest.raises(aiohttp.ClientConnectionError):
            await get(own)

    run_sync(go)
