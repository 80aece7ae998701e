"""Inbound-SMS webhook benchmark: `python bench/webhooks.py [--seconds 10] [--rate 1000]`.

Drives signed Twilio inbound-SMS webhooks at a real `zaadje serve` on PostgreSQL from a load
generator on loopback, and prints requests/s, p50/p99 latency and errors. Goal on 2 cores:
at least 1,000 requests/s with p99 at most 50 ms.

Set-up: a throw-away database (`zaadje_bench_webhooks`), migrated; N households with a mobile
number taken in with `zaadje ingest` and contacted with `zaadje tick` (so the webhooks carry
replies to real cases); `zaadje serve` started with fake Twilio credentials and
`TWILIO_API_BASE` pointing at a local fake Twilio (the replies Zaadje sends stay on this
machine), contact hours open all day and otherwise the default configuration.

By default requests are offered at a fixed rate (open loop, `--rate`), the way a provider
delivers them whether or not we kept up, and each latency counts from when the request was
due; `--rate 0 --concurrency N` runs N senders that each wait for their answer instead. Every
request has its own MessageSid and a sender from those households; the handling that follows
(flow engine, replies into the outbox, dispatch) runs in the same serve process while the load
is on, as it would in production. After the load, the benchmark waits until every stored
message is handled and says how long that took.

Needs PostgreSQL (default postgresql://postgres@127.0.0.1:5432/test, where it creates and
drops its database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import psutil
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.twilio import FakeTwilio  # noqa: E402 - after the path is set

ACCOUNT = "AC" + "b" * 32
TOKEN = "bench-auth-token-0123456789abcdef"
FROM = "+3197010203040"
PUBLIC = "https://zaadje.bench.example"
PATH = "/webhooks/twilio/sms"
DATABASE = "zaadje_bench_webhooks"
MAX_IN_FLIGHT = 256  # open loop: connections the generator may hold at once
BODIES = ["Ja", "Ja graag", "Nee dank je", "Bel me maar", "Wat is dit?", "ok 👍", "Morgen"]
CONFIG = """
[contact_hours]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
respect_holidays = false

[capacity]
messages_per_day = 10000000
"""
# Only for the set-up's first contacts: no rate limit, so 2,000 go out in seconds. The serve
# under test keeps the default limit (30 SMS a second), as a municipality would run it.
SETUP_CONFIG = (
    CONFIG
    + """
[rate_limit]
sms = 0
"""
)


def dsn(base: str, database: str) -> str:
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


async def admin(base: str, sql: str) -> None:
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def zaadje(env: dict[str, str], *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"zaadje {' '.join(args)} failed: {err.decode()[-2000:]}")


def phones(n: int) -> list[str]:
    return [f"+3161{i:07d}" for i in range(1, n + 1)]


def signals_csv(path: Path, numbers: list[str]) -> None:
    lines = ["id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer"]
    for i, number in enumerate(numbers):
        postcode = f"{1000 + i // 500}AB"
        lines.append(f"B-{i},Huur,640,2026-10-20,Proefhuis,{i % 500 + 1},{postcode},{number}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def wait_healthy(base_url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if proc.returncode is not None:
                raise SystemExit("zaadje serve exited during start-up")
            try:
                async with session.get(base_url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("zaadje serve did not become healthy")


class Load:
    def __init__(self, url: str, senders: list[str]) -> None:
        self.url = url
        self.senders = senders
        self.validator = RequestValidator(TOKEN)
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.rng = random.Random(5)

    def request(self) -> tuple[dict[str, str], dict[str, str]]:
        sid = "SM" + uuid.uuid4().hex
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT,
            "From": self.rng.choice(self.senders),
            "To": FROM,
            "Body": self.rng.choice(BODIES),
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        signature = self.validator.compute_signature(PUBLIC + PATH, form)
        return form, {"X-Twilio-Signature": signature}

    async def one(self, session: aiohttp.ClientSession, since: float, record: bool) -> None:
        """One signed request; its latency counted from `since` (when it was due)."""
        form, headers = self.request()
        try:
            async with session.post(self.url, data=form, headers=headers) as response:
                await response.read()
                ok = response.status == 200
                error = f"http {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, error = False, type(exc).__name__
        if not record:
            return
        if ok:
            self.latencies.append(time.perf_counter() - since)
        else:
            self.errors[error] = self.errors.get(error, 0) + 1

    async def user(self, session: aiohttp.ClientSession, until: float, record: bool) -> None:
        while time.perf_counter() < until:
            await self.one(session, time.perf_counter(), record)

    async def closed_loop(self, seconds: float, concurrency: int, record: bool) -> float:
        """`concurrency` senders, each sending its next request when the last is answered."""
        async with self.session(concurrency) as session:
            start = time.perf_counter()
            until = start + seconds
            await asyncio.gather(*(self.user(session, until, record) for _ in range(concurrency)))
            return time.perf_counter() - start

    async def open_loop(self, seconds: float, rate: float, record: bool) -> float:
        """Requests at a fixed rate, as a provider delivers them, whether or not earlier ones
        were answered; latency counts from when each was due (no coordinated omission)."""
        async with self.session(MAX_IN_FLIGHT) as session:
            start = time.perf_counter()
            tasks = []
            for i in range(int(rate * seconds)):
                due = start + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(self.one(session, due, record)))
            await asyncio.gather(*tasks)
            return time.perf_counter() - start

    def session(self, connections: int) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=10),
        )


async def counts(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS stored, count(handled_at) AS handled FROM inbound"
        )
    finally:
        await conn.close()
    assert row is not None
    return int(row["stored"]), int(row["handled"])


async def main(args: argparse.Namespace) -> None:
    base = args.db
    url = dsn(base, DATABASE)
    await admin(base, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    await admin(base, f"CREATE DATABASE {DATABASE}")
    fake = FakeTwilio(ACCOUNT, TOKEN)
    api_base = await fake.start()
    work = Path(tempfile.mkdtemp(prefix="zaadje-bench-webhooks-"))
    config = work / "zaadje.toml"
    config.write_text(CONFIG, encoding="utf-8")
    setup_config = work / "setup.toml"
    setup_config.write_text(SETUP_CONFIG, encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ZAADJE_CONFIG": str(config),
        "ZAADJE_SECRET_KEY": "bench",
        "PUBLIC_BASE_URL": PUBLIC,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": FROM,
        "TWILIO_API_BASE": api_base,
    }
    serve: asyncio.subprocess.Process | None = None
    logs = contextlib.ExitStack()
    try:
        serve_log = logs.enter_context((work / "serve.log").open("wb"))
        numbers = phones(args.households)
        signals_csv(work / "signals.csv", numbers)
        await zaadje(env, "db", "upgrade")
        await zaadje(env, "ingest", str(work / "signals.csv"))
        started = time.perf_counter()
        await zaadje({**env, "ZAADJE_CONFIG": str(setup_config)}, "tick")
        print(
            f"set-up: {args.households} households, {len(fake.created)} first SMS sent "
            f"through the fake Twilio in {time.perf_counter() - started:.1f} s"
        )
        profile = []
        if args.profile:
            profile = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())]
        serve = await asyncio.create_subprocess_exec(
            sys.executable,
            *profile,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(port),
            env=env,
            cwd=work,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=serve_log,
        )
        await wait_healthy(f"http://127.0.0.1:{port}", serve)
        server_cpu = psutil.Process(serve.pid)
        load = Load(f"http://127.0.0.1:{port}{PATH}", numbers)
        await load.closed_loop(args.warmup, args.concurrency, record=False)
        await asyncio.sleep(1.0)
        me = psutil.Process()
        load_before = os.getloadavg()[0]
        before, mine_before = server_cpu.cpu_times(), me.cpu_times()
        if args.rate:
            elapsed = await load.open_loop(args.seconds, args.rate, record=True)
            shape = f"{args.rate:,.0f} requests/s offered"
        else:
            elapsed = await load.closed_loop(args.seconds, args.concurrency, record=True)
            shape = f"{args.concurrency} concurrent senders"
        after, mine_after = server_cpu.cpu_times(), me.cpu_times()
        done = len(load.latencies)
        lat = sorted(load.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = done / elapsed
        cpu = (after.user + after.system - before.user - before.system) / elapsed
        print(
            f"{shape} for {elapsed:.1f} s: {done} answered "
            f"= {rate:,.0f} requests/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {lat[-1] * 1000:.1f} ms; errors {sum(load.errors.values())} {load.errors}"
        )
        mine = mine_after.user + mine_after.system - mine_before.user - mine_before.system
        print(
            f"CPU cores used during the load: zaadje serve {cpu:.2f}, load generator "
            f"{mine / elapsed:.2f}; machine load average before the run {load_before:.1f} "
            f"on {os.cpu_count()} cores"
        )
        # Open loop: sustaining 1,000/s means answering every request offered at that rate.
        sustained = args.rate if args.rate and done == int(args.rate * args.seconds) else rate
        goal = sustained >= 1000 and p99 <= 50 and not load.errors
        print(f"goal (>= 1,000 requests/s, p99 <= 50 ms): {'met' if goal else 'NOT met'}")
        drain = time.perf_counter()
        stored, handled = await counts(url)
        while handled < stored and time.perf_counter() - drain < args.drain:
            await asyncio.sleep(0.5)
            stored, handled = await counts(url)
        print(
            f"stored {stored} inbound messages (warm-up included); handled {handled}, "
            f"the last {time.perf_counter() - drain:.1f} s after the load stopped; "
            f"replies sent through the fake Twilio so far: {len(fake.created) - args.households}"
        )
    finally:
        if serve is not None and serve.returncode is None:
            serve.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(serve.wait(), 30)
            except TimeoutError:
                serve.kill()
        await fake.close()
        logs.close()
        if args.keep:
            print(f"kept: database {DATABASE}, serve log {work / 'serve.log'}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            await admin(base, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--rate", type=float, default=1000.0, help="requests/s offered (open loop); 0: closed"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="senders (closed loop)")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for handling")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and serve.log afterwards"
    )
    parser.add_argument("--profile", help="run zaadje serve under cProfile, stats to this file")
    asyncio.run(main(parser.parse_args()))
