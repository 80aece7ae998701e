"""Real `zaadje worker` processes against PostgreSQL: several share the work without sending
anything twice, and one killed with SIGKILL mid-dispatch loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import _pg_dsn, fresh_database, run_sync

# Real worker processes: seconds each; their own waits (up to 4 minutes) outlast the default
# per-test timeout, so that a stuck worker fails with the waits' message.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ALWAYS_OPEN = """
[contact_hours]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
respect_holidays = false

[scheduler]
dispatch_interval = 0.2
batch_size = 200
lease_seconds = 2

[rate_limit]
sms = {rate}

[simulated]
latency_seconds = {latency}
"""


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, "postgresql", tmp_path)


def seed_outbox(url: str, count: int) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(_pg_dsn(url))
        now = datetime.now(UTC)
        try:
            await conn.copy_records_to_table(
                "outbox",
                columns=[
                    "idempotency_key",
                    "channel",
                    "to_address",
                    "locale",
                    "message_key",
                    "values",
                    "confirms_opt_out",
                    "status",
                    "not_before",
                    "attempts",
                    "created_at",
                ],
                records=[
                    (
                        f"bulk:{i}",
                        "sms",
                        f"+3161{i:07d}",
                        "nl",
                        "sms.reminder",
                        "{}",
                        False,
                        "pending",
                        now - timedelta(minutes=1),
                        0,
                        now,
                    )
                    for i in range(count)
                ],
            )
        finally:
            await conn.close()

    run_sync(go)


def query(url: str, sql: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_pg_dsn(url))
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    return run_sync(go)


def start_worker(url: str, config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "ZAADJE_CONFIG": str(config)}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def delivered(url: str) -> int:
    return int(query(url, "SELECT count(*) FROM outbox WHERE status = 'delivered'")[0][0])


def assert_each_sent_once(url: str, count: int) -> None:
    (row,) = query(
        url,
        "SELECT count(*), coalesce(max(handovers), 0), coalesce(min(handovers), 0) "
        "FROM simulated_messages",
    )
    assert tuple(row) == (count, 1, 1), "every message handed over exactly once"
    (lost,) = query(url, "SELECT count(*) FROM outbox WHERE status <> 'delivered'")
    assert lost[0] == 0


def test_two_workers_share_10000_messages_each_sent_once(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(ALWAYS_OPEN.format(rate=0, latency=0), encoding="utf-8")
    log = tmp_path / "workers.log"
    workers = [start_worker(pg_url, config, log) for _ in range(2)]
    try:
        # Both running before the work arrives, so neither can finish it alone.
        wait_until(lambda: log.read_text().count(" started") == 2, 60, "two workers to start")
        seed_outbox(pg_url, 10_000)
        wait_until(lambda: delivered(pg_url) == 10_000, 180, "10,000 deliveries")
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=30)
    assert all(w.returncode == 0 for w in workers), log.read_text()
    assert_each_sent_once(pg_url, 10_000)
    shares = query(pg_url, "SELECT claimed_by, count(*) FROM outbox GROUP BY claimed_by")
    assert len(shares) == 2, f"both workers should have sent: {shares}"


def test_a_worker_killed_mid_dispatch_loses_and_duplicates_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    # A slow provider, so that a claimed batch is in flight for a while when the kill comes.
    config.write_text(ALWAYS_OPEN.format(rate=400, latency=1.0), encoding="utf-8")
    seed_outbox(pg_url, 2_000)
    log = tmp_path / "worker.log"

    def mid_dispatch() -> bool:
        (row,) = query(
            pg_url,
            "SELECT count(*) FILTER (WHERE status = 'sending'),"
            " count(*) FILTER (WHERE status = 'delivered') FROM outbox",
        )
        return row[0] > 0 and row[1] > 0

    # Kill until a kill lands while a batch is in flight (the poll and the kill race with
    # the worker, so one try may just miss it); every kill must lose and duplicate nothing.
    in_flight = 0
    for _ in range(5):
        worker = start_worker(pg_url, config, log)
        try:
            wait_until(mid_dispatch, 60, "a batch in flight")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        in_flight = query(pg_url, "SELECT count(*) FROM outbox WHERE status = 'sending'")[0][0]
        if in_flight:
            break
    assert in_flight > 0, "a kill should have left claimed messages behind"
    second = start_worker(pg_url, config, log)
    try:
        wait_until(lambda: delivered(pg_url) == 2_000, 120, "every message after the restart")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert_each_sent_once(pg_url, 2_000)
