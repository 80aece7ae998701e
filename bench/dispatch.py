"""Dispatch benchmark on PostgreSQL: `python bench/dispatch.py [--messages N] [--idle 1000000]`.

1. Messages per second end-to-end (claim, render, send through the simulated channel, record,
   and the `Delivered` event applied to each case) with 1 and with 2 worker processes. Each
   run gets a fresh database with N real cases planned by the plan pass.
2. The cost of one pass of each kind with 1,000,000 idle cases in the database and 1,000 due.

Needs PostgreSQL (default postgresql://postgres@127.0.0.1:5432/test, where it creates and
drops scratch databases).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = """
[contact_hours]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
respect_holidays = false

[capacity]
messages_per_day = 10000000
home_visits_per_day = 10000000

[scheduler]
batch_size = 500

[rate_limit]
sms = 0
telegram = 0
"""


def dsn(base: str, database: str) -> str:
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


async def admin(base: str, sql: str) -> None:
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_db(base: str, name: str) -> str:
    await admin(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin(base, f"CREATE DATABASE {name}")
    url = dsn(base, name)
    from store.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    return url


def settings_for(url: str, config: Path) -> Any:
    os.environ["ZAADJE_CONFIG"] = str(config)
    from app.settings import load_settings

    return load_settings(url)


async def seed_planned_cases(url: str, config: Path, count: int, now: datetime) -> None:
    """N households with a phone number, ingested and planned: N first-contact messages due."""
    from app.wiring import context_for
    from bench.gen_signals import generate
    from scheduler.plan import plan
    from signals.intake import IntakeSettings, ingest_file
    from store.engine import make_engine

    path = ROOT / "bench" / "out" / f"dispatch-{count}.csv"
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        generate(count, out, seed=11, today=now.date(), bad_share=0.0, duplicate_share=0.0)
    settings = settings_for(url, config)
    engine = make_engine(url)
    ctx = context_for(settings, engine)
    await ingest_file(
        engine, path, "csv", now, IntakeSettings.from_config(settings.config, ctx.calendar)
    )
    await plan(ctx, now)
    await engine.dispose()


async def worker(url: str, config: Path) -> dict[str, Any]:
    """One worker process: dispatch until nothing is due; report what it sent and how fast."""
    from app.wiring import context_for
    from scheduler.dispatch import dispatch
    from store.engine import make_engine

    settings = settings_for(url, config)
    engine = make_engine(url)
    ctx = context_for(settings, engine)
    async with engine.connect() as conn:  # connect and import before the clock starts
        await conn.exec_driver_sql("SELECT 1")
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    sent = 0
    while True:
        result = await dispatch(ctx, lambda: datetime.now(UTC), until_empty=False)
        if result.sent == 0:
            break
        sent += result.sent
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return {"sent": sent, "seconds": elapsed}


def run_workers(url: str, config: Path, n: int) -> tuple[int, float]:
    """Start n workers, let them all import and connect, then start them at once."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--role", "worker", "--url", url, "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [json.loads(p.communicate()[0]) for p in procs]
    return sum(r["sent"] for r in results), time.perf_counter() - start


async def count_delivered(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        delivered = await conn.fetchval("SELECT count(*) FROM outbox WHERE status = 'delivered'")
        twice = await conn.fetchval("SELECT count(*) FROM simulated_messages WHERE handovers > 1")
    finally:
        await conn.close()
    return int(delivered), int(twice)


async def throughput(base: str, config: Path, messages: int, workers: int) -> float:
    url = await fresh_db(base, f"zaadje_bench_dispatch_{workers}")
    now = datetime.now(UTC) - timedelta(minutes=1)
    await seed_planned_cases(url, config, messages, now)
    conn = await asyncpg.connect(url)
    due = await conn.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'")
    await conn.close()
    sent, seconds = await asyncio.to_thread(run_workers, url, config, workers)
    delivered, twice = await count_delivered(url)
    rate = sent / seconds
    print(
        f"  {workers} worker(s): {sent} of {due} messages in {seconds:.2f} s"
        f" = {rate:,.0f} messages/s (delivered {delivered}, handed over twice: {twice})"
    )
    await admin(base, f"DROP DATABASE IF EXISTS zaadje_bench_dispatch_{workers} WITH (FORCE)")
    return rate


async def idle_passes(base: str, config: Path, idle: int, due: int) -> None:
    url = await fresh_db(base, "zaadje_bench_idle")
    conn = await asyncpg.connect(url)
    now = datetime.now(UTC)
    start = time.perf_counter()
    await conn.execute(
        """
        INSERT INTO households (id, address_key, postcode, huisnummer, toevoeging, created_at)
        SELECT g, 'K' || g, '1234AB', g::text, '', $1 FROM generate_series(1, $2) g;
        """.replace(";", ""),
        now,
        idle,
    )
    # Idle cases: in outreach, waiting for a reply, their timer days away.
    await conn.execute(
        """
        INSERT INTO cases (id, household_id, state, priority, reasons, locale, crisis, opened_at,
                           version, stage, contact_phone, timer_due, timer_name, timer_version,
                           signal_news, planned_at)
        SELECT g, g, 'open', (g % 997), '[]', 'nl', false, $1, 1, 'wait_first',
               '+3161' || lpad(g::text, 7, '0'), $1::timestamptz + interval '3 days',
               'wait', 1, false, $1::timestamptz - interval '2 days'
        FROM generate_series(1, $2) g
        """,
        now,
        idle,
    )
    await conn.execute("SELECT setval('cases_id_seq', $1)", idle)
    await conn.execute("SELECT setval('households_id_seq', $1)", idle)
    await conn.execute(
        """
        INSERT INTO outbox (idempotency_key, channel, to_address, locale, message_key, values,
                            confirms_opt_out, status, not_before, attempts, created_at)
        SELECT 'due:' || g, 'sms', '+3162' || lpad(g::text, 7, '0'), 'nl', 'sms.reminder', '{}',
               false, 'pending', $1::timestamptz - interval '1 minute', 0, $1
        FROM generate_series(1, $2) g
        """,
        now,
        due,
    )
    await conn.execute("ANALYZE")
    await conn.close()
    seconds = time.perf_counter() - start
    print(f"  seeded {idle:,} idle cases and {due:,} due messages in {seconds:.1f} s")

    from app.wiring import context_for
    from scheduler.dispatch import dispatch
    from scheduler.news import signal_news
    from scheduler.plan import plan
    from scheduler.timeouts import fire_timers
    from store.engine import make_engine

    settings = settings_for(url, config)
    engine = make_engine(url)
    ctx = context_for(settings, engine)
    await plan(ctx, now)  # the first plan of the day also ages waiting cases: not a pass
    timings: dict[str, float] = {}
    for name, run in (
        ("timeouts (nothing due)", lambda: fire_timers(ctx, now)),
        ("new signals (none)", lambda: signal_news(ctx, now)),
        ("plan (nothing new)", lambda: plan(ctx, now)),
        ("dispatch (1,000 due)", lambda: dispatch(ctx, lambda: now)),
        ("dispatch (nothing due)", lambda: dispatch(ctx, lambda: now)),
    ):
        start = time.perf_counter()
        await run()
        timings[name] = (time.perf_counter() - start) * 1000
    # Make 1,000 timers due and time the pass that fires them.
    async with engine.begin() as c:
        await c.exec_driver_sql(
            "UPDATE cases SET timer_due = now() - interval '1 minute' WHERE id <= 1000"
        )
    start = time.perf_counter()
    await fire_timers(ctx, now + timedelta(seconds=1))
    timings["timeouts (1,000 due)"] = (time.perf_counter() - start) * 1000
    await engine.dispose()
    for name, ms in timings.items():
        print(f"  {name:26} {ms:8.1f} ms")
    await admin(base, "DROP DATABASE IF EXISTS zaadje_bench_idle WITH (FORCE)")


async def main(args: argparse.Namespace) -> None:
    config = ROOT / "bench" / "out" / "dispatch-config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(CONFIG, encoding="utf-8")
    print(f"Dispatch throughput, {args.messages:,} first-contact messages, simulated channel:")
    one = await throughput(args.url, config, args.messages, 1)
    two = await throughput(args.url, config, args.messages, 2)
    print(f"  a second worker adds {100 * (two / one - 1):.0f} %")
    print(f"One pass with {args.idle:,} idle cases:")
    await idle_passes(args.url, config, args.idle, 1000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--idle", type=int, default=1_000_000)
    parser.add_argument("--role", default="main")
    parser.add_argument("--config")
    cli = parser.parse_args()
    if cli.role == "worker":
        print(json.dumps(asyncio.run(worker(cli.url, Path(cli.config)))))
    else:
        asyncio.run(main(cli))
