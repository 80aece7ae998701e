"""`zaadje serve` as a real process on SQLite and PostgreSQL: it stops on SIGTERM the way a
service manager expects — listening stops at once, the batch being handed to the channel
is finished and recorded, nothing is lost or sent twice, exit 0, one line, no traceback —
and a second signal forces the stop without losing what was claimed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from store.models import Outbox, SimulatedMessage, table_of
from tests.conftest import on_db

outbox_t = table_of(Outbox)
sim_t = table_of(SimulatedMessage)

ALWAYS_OPEN = """
[contact_hours]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
respect_holidays = false
"""
# A slow provider and small batches: a batch is in flight for a while, and a backlog stays.
SLOW_PROVIDER = """
[scheduler]
dispatch_interval = 0.2
batch_size = 20
lease_seconds = 60

[rate_limit]
sms = 0

[simulated]
latency_seconds = {latency}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running `zaadje serve` and what it wrote."""

    process: subprocess.Popen[bytes]
    port: int
    stdout: Path
    stderr: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stderr.read_text().splitlines() if line]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def write_config(directory: Path, extra: str = "") -> Path:
    config = directory / "zaadje.toml"
    config.write_text(ALWAYS_OPEN + extra, encoding="utf-8")
    return config


def start_serve(db_url: str, config: Path, directory: Path) -> Served:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "TELEGRAM_", "ZAADJE_")) and k != "DATABASE_URL"
    }
    env.update(DATABASE_URL=db_url, ZAADJE_CONFIG=str(config), ZAADJE_SECRET_KEY="test-key")
    port = free_port()
    stdout, stderr = directory / "serve.out", directory / "serve.err"
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=directory,
        env=env,
        stdout=stdout.open("wb"),
        stderr=stderr.open("wb"),
    )
    served = Served(process, port, stdout, stderr)
    try:
        wait_until(lambda: _healthy(served), 60, "/healthz to answer")
    except BaseException:
        process.kill()
        process.wait()
        raise
    return served


def _healthy(served: Served) -> bool:
    if served.process.poll() is not None:
        raise AssertionError(f"serve exited early: {served.stderr.read_text()}")
    try:
        with urllib.request.urlopen(served.base + "/healthz", timeout=2) as answer:
            return json.load(answer) == {"status": "ok", "database": "ok"}
    except (urllib.error.URLError, ConnectionError):
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def seed_outbox(db_url: str, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "idempotency_key": f"seed:{i}",
            "channel": "sms",
            "to_address": f"+3161{i:07d}",
            "locale": "nl",
            "message_key": "sms.reminder",
            "values": {},
            "confirms_opt_out": False,
            "status": "pending",
            "not_before": now - timedelta(minutes=1),
            "attempts": 0,
            "created_at": now,
        }
        for i in range(count)
    ]
    on_db(db_url, lambda conn: conn.execute(insert(outbox_t), rows))


def outbox_by_status(db_url: str) -> dict[str, list[int]]:
    async def work(conn: Any) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for row in await conn.execute(select(outbox_t.c.id, outbox_t.c.status)):
            found.setdefault(row.status, []).append(row.id)
        return found

    return on_db(db_url, work)


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[Path]:
    work = tmp_path / "serve"
    work.mkdir()
    yield work


@pytest.mark.slow
def test_sigterm_finishes_the_batch_in_flight_and_exits_cleanly(
    db_url: str, directory: Path
) -> None:
    seed_outbox(db_url, 200)
    served = start_serve(
        db_url, write_config(directory, SLOW_PROVIDER.format(latency=1.5)), directory
    )
    try:
        seen: dict[str, list[int]] = {}

        def batch_in_flight() -> bool:
            # Kept as read: a second read may come after the batch (busy machine).
            seen.clear()
            seen.update(outbox_by_status(db_url))
            return bool(seen.get("sending"))

        wait_until(batch_in_flight, 30, "a batch in flight")
        in_flight = seen["sending"]
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        # Still finishing the batch (the provider takes 1.5 s), but no longer listening.
        assert served.process.poll() is None
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", served.port), timeout=2),
        ):
            pass
        code = served.process.wait(timeout=30)
    finally:
        if served.process.poll() is None:
            served.process.kill()
    stderr = served.stderr.read_text()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    lines = served.log_lines()  # every line is one JSON event
    assert lines[-1]["event"] == "stopped" and lines[-1]["signal"] == "SIGTERM"
    assert [line["event"] for line in lines].count("stopped") == 1
    base = served.base  # and on stdout, one line for the person who ran `make run`
    assert served.stdout.read_text().splitlines() == [
        f"Zaadje draait op {base}/ — simulator {base}/simulator/ · desk {base}/desk/"
    ]

    after = outbox_by_status(db_url)
    assert "sending" not in after, "a hand-over was left unrecorded"
    assert set(in_flight) <= set(after["delivered"]), "the batch in flight was finished"
    assert len(after["pending"]) >= 100, "no new batch was started after the signal"

    async def handed_over(conn: Any) -> tuple[int, int]:
        row = (await conn.execute(select(func.count(), func.max(sim_t.c.handovers)))).one()
        return int(row[0]), int(row[1] or 0)

    count, most = on_db(db_url, handed_over)
    assert count == len(after["delivered"]) and most == 1  # recorded exactly as handed over


def test_a_second_signal_forces_the_stop(db_url: str, directory: Path) -> None:
    seed_outbox(db_url, 40)
    served = start_serve(
        db_url, write_config(directory, SLOW_PROVIDER.format(latency=30)), directory
    )
    try:
        wait_until(lambda: bool(outbox_by_status(db_url).get("sending")), 30, "a batch in flight")
        served.process.send_signal(signal.SIGTERM)
        # The second signal only forces a stop the first one began: wait until it has, then
        # force it at once (within milliseconds, while the winding down has just begun).
        wait_until(lambda: '"stopping"' in served.stderr.read_text(), 30, "the stop to begin")
        started = time.monotonic()
        code = served.stop(signal.SIGINT, timeout=15)
    finally:
        if served.process.poll() is None:
            served.process.kill()
    assert code == 1
    assert time.monotonic() - started < 10  # it did not wait for the 30-second provider
    stderr = served.stderr.read_text()
    assert "Traceback" not in stderr
    assert served.log_lines()[-1]["event"] == "forced stop"
    # Cut off mid-hand-over: the batch stays claimed, for its lease to hand back (the
    # dispatcher then asks the channel before sending again), never marked as sent.
    assert outbox_by_status(db_url).get("sending")
