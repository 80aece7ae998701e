"""Work queue benchmark on PostgreSQL: `python bench/desk_queue.py [--tasks 100000] [--runs 200]`.

Creates a throw-away database with N open (and claimed) tasks on N cases, plus as many finished
tasks, then times the desk's work queue page end-to-end over HTTP on 127.0.0.1 (login,
session, CSRF, query, Jinja2 render): the first page, filtered pages and a deep page reached by
keyset paging. Prints p50/p99/max per page; the target is p99 <= 100 ms server time.

Needs PostgreSQL (default TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test, where
it creates and drops a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services import Services  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.web import build_app  # noqa: E402
from app.wiring import context_for  # noqa: E402
from desk.users import add_user  # noqa: E402
from store.engine import make_engine  # noqa: E402
from store.migrate import upgrade  # noqa: E402

NOW = datetime.now(UTC)
KINDS = ("phone", "callback", "home_visit", "review")
PASSWORD = "benchmark-password"


def dsn(base: str, database: str) -> str:
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


async def admin(base: str, sql: str) -> None:
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fill(url: str, n: int) -> float:
    """N households and cases, N live tasks and N finished ones, by COPY."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        households = [
            # 97 postcode areas (3500-3596) of about 1,000 households each
            (i, f"{3500 + i % 97}AB-{i}", f"{3500 + i % 97}AB", str(i), "", NOW)
            for i in range(1, n + 1)
        ]
        await conn.copy_records_to_table(
            "households",
            records=households,
            columns=["id", "address_key", "postcode", "huisnummer", "toevoeging", "created_at"],
        )
        cases = [
            (i, i, "open", (i * 37) % 1500, "[]", "nl", False, NOW, 1, "phone_1", False)
            for i in range(1, n + 1)
        ]
        await conn.copy_records_to_table(
            "cases",
            records=cases,
            columns=[
                "id",
                "household_id",
                "state",
                "priority",
                "reasons",
                "locale",
                "crisis",
                "opened_at",
                "version",
                "stage",
                "signal_news",
            ],
        )
        tasks = []
        for i in range(1, 2 * n + 1):
            case_id = (i - 1) % n + 1
            live = i <= n
            status = ("claimed" if i % 10 == 0 else "open") if live else "done"
            tasks.append(
                (
                    i,
                    f"bench-{i}",
                    case_id,
                    KINDS[i % 4],
                    "ladder",
                    status,
                    (case_id * 37) % 1500,
                    NOW + timedelta(minutes=(i * 7919) % 20000 - 5000),
                    f"worker{i % 20}" if status == "claimed" else None,
                    NOW,
                )
            )
        await conn.copy_records_to_table(
            "tasks",
            records=tasks,
            columns=[
                "id",
                "ref",
                "case_id",
                "kind",
                "reason",
                "status",
                "priority",
                "due",
                "claimed_by",
                "created_at",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(url: str, runs: int) -> None:
    settings = Settings(database_url=url)
    engine = make_engine(url)
    runner = web.AppRunner(build_app(Services(settings, engine, context_for(settings, engine))))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    await add_user(engine, "worker0", "caseworker", PASSWORD)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/desk/login") as r:
                token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text())
            assert token
            async with http.post(
                f"{base}/desk/login",
                data={"name": "worker0", "password": PASSWORD, "csrf_token": token.group(1)},
            ) as r:
                assert r.status == 200, r.status
            deep = "/desk/queue"
            for _ in range(20):  # 20 pages in: the keyset marker of page 21
                async with http.get(base + deep) as r:
                    found = re.search(r'<a href="([^"]+)" rel="next">', await r.text())
                assert found
                deep = found.group(1).replace("&amp;", "&")
            pages = {
                "first page": "/desk/queue",
                "unclaimed": "/desk/queue?unclaimed=1",
                "mine": "/desk/queue?mine=1",
                "overdue": "/desk/queue?overdue=1",
                "home visits in area 3511": "/desk/queue?kind=home_visit&area=3511",
                "page 21 (keyset)": deep,
            }
            print(f"{'page':28} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
            for name, path in pages.items():
                timings = []
                rows = 0
                for _ in range(runs):
                    started = time.perf_counter()
                    async with http.get(base + path) as r:
                        body = await r.text()
                        assert r.status == 200, (path, r.status)
                    timings.append((time.perf_counter() - started) * 1000)
                    rows = body.count('<tr id="task-')
                print(
                    f"{name:28} {rows:>5} {statistics.median(timings):>8.1f} "
                    f"{percentile(timings, 99):>8.1f} {max(timings):>8.1f}"
                )
    finally:
        await runner.cleanup()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000, help="open tasks")
    parser.add_argument("--runs", type=int, default=200, help="renders timed per page")
    parser.add_argument(
        "--pg",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    args = parser.parse_args()
    name = f"zaadje_bench_desk_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(args.pg, f"CREATE DATABASE {name}"))
    url = dsn(args.pg, name)
    try:
        upgrade(url)
        seconds = asyncio.run(fill(url, args.tasks))
        print(
            f"{args.tasks:,} open tasks (+{args.tasks:,} done) on {args.tasks:,} cases, "
            f"loaded in {seconds:.1f} s"
        )
        asyncio.run(measure(url, args.runs))
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            asyncio.run(admin(args.pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
