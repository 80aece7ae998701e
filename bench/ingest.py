"""Benchmark `zaadje ingest` end-to-end (issue 2).

    python bench/ingest.py --rows 1000000 [--backend postgresql|sqlite|both]
                           [--db URL] [--keep-file]

Generates a signal file (or reuses bench/out/signals-<rows>.csv), creates a fresh database
(PostgreSQL: a scratch database on the server of --db, dropped afterwards; SQLite: a temporary
file), migrates it and runs `zaadje ingest` twice in a subprocess: the first run takes the file
in, the second finds every row a duplicate. Prints rows/s, wall time, peak RSS (the ingest and
its children together, sampled), CPU time per row (the ingest and its child from rusage, the
PostgreSQL backends from /proc, when the server runs on this machine) and the summary counts.
Goals (issue 17): first run ≥ 25,000 rows/s on PostgreSQL and ≥ 10,000 on SQLite; a re-run on
PostgreSQL ≥ 100,000 rows/s; ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
NOW = "2026-11-20T10:00"  # the generator's "today"
# rows/s by (database, re-run); SQLite's re-run has none
GOAL_ROWS_PER_S = {
    ("postgresql", False): 25_000,
    ("postgresql", True): 100_000,
    ("sqlite", False): 10_000,
}
GOAL_RSS_MB = 300
COUNTS = ("received", "accepted", "rejected", "duplicates", "suppressed", "households")


def signal_file(rows: int) -> tuple[Path, bool]:
    """The cached file for `rows`, generated if missing; True when generated now."""
    path = OUT / f"signals-{rows}.csv"
    if path.exists():
        return path, False
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_signals import generate

    print(f"generating {rows:,} rows → {path}", flush=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        generate(rows, out)
    partial.replace(path)
    return path, True


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


class _ServerCpu:
    """CPU seconds of the PostgreSQL processes serving `database` (plus the server's shared
    background writers), sampled: a backend's time is kept as last seen before it exits."""

    AUXILIARY = ("checkpointer", "background writer", "walwriter")

    def __init__(self, database: str | None) -> None:
        self.database = database
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.helpers: set[int] = set()
        if database:
            self.start = dict(self._sample())
            self.last = dict(self.start)

    def _sample(self) -> Iterator[tuple[int, float]]:
        assert self.database is not None
        titles: dict[int, str] = {}
        for proc in psutil.process_iter(["cmdline"]):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres:"):
                titles[proc.pid] = title
        ours = {pid for pid, title in titles.items() if f" {self.database} " in title}
        for pid, title in titles.items():
            helper = any(a in title for a in self.AUXILIARY)
            # A parallel query's workers are titled after the backend they work for.
            worker = title.rpartition("parallel worker for PID ")[2]
            if helper:
                self.helpers.add(pid)
            if pid in ours or helper or (worker.isdigit() and int(worker) in ours):
                try:
                    times = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    continue
                yield pid, times.user + times.system

    def poll(self) -> None:
        if self.database:
            self.last.update(self._sample())

    def seconds(self) -> float:
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())

    def helper_seconds(self) -> float:
        """Of `seconds`, the checkpointer's, background writer's and WAL writer's (shared
        with whatever else runs on the server)."""
        return sum(
            cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items() if pid in self.helpers
        )


def measure(command: list[str], database: str | None = None) -> dict[str, Any]:
    """Run `command`: wall time, peak RSS of it plus its children (sampled), CPU seconds of
    it and its children (rusage) and of the PostgreSQL backends of `database`, and stdout."""
    server = _ServerCpu(database)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        watched = psutil.Process(proc.pid)
        peak = 0
        polls = 0
        while proc.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass  # a process ended between listing and reading it
            polls += 1
            if polls % 4 == 0:
                server.poll()
            time.sleep(0.05)
        wall = time.perf_counter() - start
        server.poll()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{stderr}")
        out.seek(0)
        return {
            "wall": wall,
            "peak_rss": peak,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "server_cpu": server.seconds() if database else None,
            "server_helper_cpu": server.helper_seconds() if database else None,
            "stdout": out.read().decode(),
        }


def report(label: str, rows: int, result: dict[str, Any], goal: int) -> dict[str, Any]:
    summary = json.loads(result["stdout"])
    rate = rows / result["wall"]
    rss_mb = result["peak_rss"] / 2**20
    verdict = "ok" if rate >= goal and rss_mb <= GOAL_RSS_MB else "BELOW GOAL"
    counts = ", ".join(f"{k} {summary[k]:,}" for k in COUNTS)
    # CPU per row means something when the machine is shared; wall time alone does not.
    cpu = f"CPU {result['cpu'] / rows * 1e6:.0f} µs/row (ingest + child)"
    if result["server_cpu"] is not None:
        server = result["server_cpu"] / rows * 1e6
        total = (result["cpu"] + result["server_cpu"]) / rows * 1e6
        helpers = result["server_helper_cpu"] / rows * 1e6
        cpu += (
            f", PostgreSQL {server:.0f} µs/row (of it {helpers:.0f} checkpointer and WAL"
            f" writers), total {total:.0f} µs/row"
        )
    print(
        f"{label:<22} {rate:>9,.0f} rows/s  {result['wall']:7.1f} s  peak RSS {rss_mb:6.0f} MB"
        f"  [{verdict}]\n{'':<22} {cpu}"
        f"\n{'':<22} {counts}, cases opened {summary['cases_opened']:,}",
        flush=True,
    )
    return {"rows_per_s": rate, "wall_s": result["wall"], "peak_rss_mb": rss_mb, **summary}


def bare_copy_seconds(url: str, path: Path) -> float:
    """The file COPYed as it is into a table of text columns, without indexes: the least
    PostgreSQL can do with it, as a yardstick for the ingest on the same machine and load."""
    with path.open(encoding="utf-8") as handle:
        width = len(handle.readline().split(";"))
    columns = ", ".join(f"c{i} text" for i in range(width))

    async def go() -> float:
        conn = await asyncpg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            await conn.execute(f"CREATE TABLE bare_copy ({columns})")
            start = time.perf_counter()
            await conn.copy_to_table(
                "bare_copy", source=str(path), format="csv", delimiter=";", header=True
            )
            seconds = time.perf_counter() - start
            await conn.execute("DROP TABLE bare_copy")
            return seconds
        finally:
            await conn.close()

    return asyncio.run(go())


# The foreign keys migration 0008 dropped, for measuring what they would cost (--foreign-keys).
FOREIGN_KEYS = (
    "ALTER TABLE signals ADD CONSTRAINT fk_signals_household_id_households"
    " FOREIGN KEY (household_id) REFERENCES households (id)",
    "ALTER TABLE signals ADD CONSTRAINT fk_signals_case_id_cases"
    " FOREIGN KEY (case_id) REFERENCES cases (id)",
    "ALTER TABLE signals ADD CONSTRAINT fk_signals_ingest_run_id_ingest_runs"
    " FOREIGN KEY (ingest_run_id) REFERENCES ingest_runs (id)",
    "ALTER TABLE cases ADD CONSTRAINT fk_cases_household_id_households"
    " FOREIGN KEY (household_id) REFERENCES households (id)",
)


def add_foreign_keys(url: str) -> None:
    async def go() -> None:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            for statement in FOREIGN_KEYS:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())


def run_twice(label: str, url: str, path: Path, rows: int, foreign_keys: bool = False) -> None:
    subprocess.run(cli("db", "upgrade", "--db", url), cwd=ROOT, check=True, capture_output=True)
    if foreign_keys:
        add_foreign_keys(url)
        label += " +FK"
    ingest = cli("ingest", str(path), "--now", NOW, "--json", "--db", url)
    database = make_url(url).database if url.startswith("postgresql") else None
    dialect = "postgresql" if database else "sqlite"
    first = measure(ingest, database)
    report(f"{label} first run", rows, first, GOAL_ROWS_PER_S[dialect, False])
    if database:
        copy = bare_copy_seconds(url, path)
        server = first["server_cpu"] / (first["cpu"] + first["server_cpu"])
        print(
            f"{'':<22} bare COPY of the file {copy:.1f} s ({rows / copy:,.0f} rows/s): the first"
            f" run took {first['wall'] / copy:.1f}× as long; PostgreSQL's share of its CPU"
            f" {server:.0%}",
            flush=True,
        )
    again = GOAL_ROWS_PER_S.get((dialect, True), 0)
    report(f"{label} re-run (dups)", rows, measure(ingest, database), again)


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    admin = make_url(admin_url).set(drivername="postgresql")
    name = f"zaadje_bench_{os.getpid()}"

    async def admin_sql(statement: str) -> None:
        conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f"CREATE DATABASE {name}"))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument(
        "--db",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server URL to create the scratch database on",
    )
    parser.add_argument("--keep-file", action="store_true", help="keep a newly generated file")
    parser.add_argument(
        "--foreign-keys",
        action="store_true",
        help="PostgreSQL: measure with the foreign keys of signals and cases in place",
    )
    args = parser.parse_args()

    path, generated = signal_file(args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 2**20:.0f} MB, {os.cpu_count()} cores")
    try:
        if args.backend in ("postgresql", "both"):
            with scratch_postgres(args.db) as url:
                run_twice("PostgreSQL", url, path, args.rows, args.foreign_keys)
        if args.backend in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as tmp:
                run_twice("SQLite", f"sqlite:///{tmp}/bench.db", path, args.rows)
    finally:
        if generated and not args.keep_file:
            path.unlink()


if __name__ == "__main__":
    main()
