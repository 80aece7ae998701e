"""`GET /metrics` for Prometheus (`[metrics]` in the configuration; off by default).

Decision: with `token` set the main port serves it, only to `Authorization: Bearer <token>`
(401 otherwise; the comparison takes constant time). With `port` set a listener of its own
serves it instead (on `host`, 127.0.0.1 unless configured), still asking for the token when
one is set. With neither, there is no route at all (404).

Every series is named `zaadje_…`, and every label value comes from a fixed vocabulary: channel
names, statuses, task kinds, pass names, route patterns, HTTP methods and status codes, ingest
outcomes. The figures of the database are read at scrape time; the counters of this process
(HTTP requests, scheduler passes, refused logins) live in a registry of the application's own.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from app.errors import UserError
from app.services import Services
from app.web_desk import DESK_APP
from desk.access import DESK_SERVICES
from monitor.operations import Operations, read_operations
from scheduler.worker import PassObserver

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PASS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
MIN_TOKEN_LENGTH = 16

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class MetricsConfig:
    token: str = ""
    port: int = 0
    host: str = "127.0.0.1"

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.port)


def metrics_config(config: dict[str, Any]) -> MetricsConfig:
    """`[metrics]`, checked: a UserError of one line names what is wrong."""
    section = config.get("metrics", {})
    token = section.get("token", "")
    port = section.get("port", 0)
    host = section.get("host", "127.0.0.1")
    unknown = set(section) - {"token", "port", "host"}
    if unknown:
        raise UserError(f"config [metrics]: unknown key(s): {', '.join(sorted(unknown))}")
    if not isinstance(token, str):
        raise UserError("config [metrics] token: not a string")
    if token and (len(token) < MIN_TOKEN_LENGTH or token != token.strip() or " " in token):
        raise UserError(
            f"config [metrics] token: at least {MIN_TOKEN_LENGTH} characters without spaces"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UserError(f"config [metrics] port: not a port number 0-65535 (0 = off): {port!r}")
    if not isinstance(host, str) or not host.strip():
        raise UserError(f"config [metrics] host: not an address to listen on: {host!r}")
    return MetricsConfig(token=token, port=port, host=host.strip())


class Metrics:
    """The registry of one application: this process's counters and the database's figures."""

    def __init__(self, read: Callable[[datetime], Awaitable[Operations]]) -> None:
        self.read = read
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        disable_created_metrics()  # no `…_created` twin of every counter: noise to Prometheus
        self.registry = CollectorRegistry(auto_describe=True)
        self.database = DatabaseCollector()
        self.registry.register(self.database)
        self.pass_seconds = Histogram(
            "zaadje_scheduler_pass_duration_seconds",
            "How long a scheduler pass of this process took, by pass.",
            ["pass"],
            buckets=PASS_BUCKETS,
            registry=self.registry,
        )
        self.pass_success = Gauge(
            "zaadje_scheduler_pass_last_success_timestamp_seconds",
            "When a scheduler pass of this process last succeeded (Unix time), by pass.",
            ["pass"],
            registry=self.registry,
        )
        self.pass_failures = Counter(
            "zaadje_scheduler_pass_failures",
            "Scheduler passes of this process that failed, by pass.",
            ["pass"],
            registry=self.registry,
        )
        self.requests = Counter(
            "zaadje_http_requests",
            "HTTP requests (webhooks, desk, simulator), by route pattern, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "zaadje_http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern, method and status.",
            ["route", "method", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.login_failures = Counter(
            "zaadje_desk_login_failures",
            "Refused desk logins, by reason (credentials, throttled).",
            ["reason"],
            registry=self.registry,
        )

    def observe_pass(self, name: str, seconds: float, ok: bool) -> None:
        self.pass_seconds.labels(name).observe(seconds)
        if ok:
            self.pass_success.labels(name).set(time.time())
        else:
            self.pass_failures.labels(name).inc()

    def login_failed(self, reason: str) -> None:
        self.login_failures.labels(reason).inc()

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        labels = (route, method if method in METHODS else "other", str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    async def render(self) -> bytes:
        figures = await self.read(self.now())
        # No await between taking the reading and writing the text: a scrape in parallel
        # cannot swap the figures half-way.
        self.database.figures = figures
        return generate_latest(self.registry)


class DatabaseCollector(Collector):
    """The figures of the database, as read just before the text is written."""

    def __init__(self) -> None:
        self.figures: Operations | None = None

    def describe(self) -> list[Metric]:
        return []  # read at scrape time: nothing to describe up front

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        if figures is None:
            return
        messages = GaugeMetricFamily(
            "zaadje_outbox_messages",
            "Messages in the outbox, by channel and status.",
            labels=["channel", "status"],
        )
        for (channel, status), count in sorted(figures.messages.items()):
            messages.add_metric([channel, status], count)
        yield messages
        due = GaugeMetricFamily(
            "zaadje_outbox_due_messages",
            "Messages pending and due now, by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "zaadje_outbox_oldest_due_age_seconds",
            "Age of the oldest message pending and due now, by channel (0: none due).",
            labels=["channel"],
        )
        channels = sorted({c for c, _ in figures.messages} | set(figures.due))
        for channel in channels:
            due.add_metric([channel], figures.due.get(channel, 0))
            oldest.add_metric([channel], figures.oldest_due_seconds.get(channel, 0.0))
        yield due
        yield oldest
        tasks_open = GaugeMetricFamily(
            "zaadje_tasks_open", "Tasks open or claimed, by kind.", labels=["kind"]
        )
        overdue = GaugeMetricFamily(
            "zaadje_tasks_overdue",
            "Tasks open or claimed past their due time, by kind.",
            labels=["kind"],
        )
        for kind in sorted(figures.tasks_open):
            tasks_open.add_metric([kind], figures.tasks_open[kind])
            overdue.add_metric([kind], figures.tasks_overdue.get(kind, 0))
        yield tasks_open
        yield overdue
        rows = CounterMetricFamily(
            "zaadje_ingest_rows",
            "Rows of partner files taken in by `zaadje ingest` (finished runs), by outcome.",
            labels=["outcome"],
        )
        for outcome, count in figures.ingest_rows.items():
            rows.add_metric([outcome], count)
        yield rows
        yield CounterMetricFamily(
            "zaadje_ingest_runs", "Finished `zaadje ingest` runs.", value=figures.ingest_runs
        )


METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)


def route_of(request: web.Request) -> str:
    """The route's pattern (`/desk/cases/{case_id}`), never the path that was asked for."""
    resource = request.match_info.route.resource
    if resource is None:
        return "unmatched"  # 404 and 405 answers from the router itself
    return resource.canonical


def install(app: web.Application, services: Services) -> None:
    """Add `/metrics` (or its own listener) when `[metrics]` switches it on."""
    config = metrics_config(services.settings.config)
    if not config.enabled:
        return
    engine = services.engine
    metrics = Metrics(lambda now: read_operations(engine, now))
    app[METRICS] = metrics
    app.middlewares.append(_measuring(metrics))
    if DESK_APP in app:
        app[DESK_APP][DESK_SERVICES].login_failed = metrics.login_failed
    handler = _handler(metrics, config.token)
    if not config.port:
        app.router.add_get(PATH, handler, name="metrics")
        return
    own = web.Application()
    own.router.add_get(PATH, handler, name="metrics")
    runner = web.AppRunner(own, access_log=None)

    async def start(_: web.Application) -> None:
        await runner.setup()
        try:
            await web.TCPSite(runner, config.host, config.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise UserError(
                f"config [metrics] port: cannot listen on {config.host}:{config.port}: "
                f"{exc.strerror or exc}"
            ) from exc

    async def stop(_: web.Application) -> None:
        await runner.cleanup()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def pass_observer(app: web.Application) -> PassObserver | None:
    """What `zaadje serve`'s scheduler tells of each pass, when metrics are on."""
    return app[METRICS].observe_pass if METRICS in app else None


def _handler(metrics: Metrics, token: str) -> Handler:
    expected = f"Bearer {token}".encode()

    async def serve_metrics(request: web.Request) -> web.StreamResponse:
        if token:
            given = request.headers.get("Authorization", "").encode(errors="surrogateescape")
            if not hmac.compare_digest(given, expected):
                raise web.HTTPUnauthorized(
                    text="A bearer token is needed.",
                    headers={"WWW-Authenticate": 'Bearer realm="zaadje metrics"'},
                )
        body = await metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        response.headers["Cache-Control"] = "no-store"
        return response

    return serve_metrics


def _measuring(metrics: Metrics) -> Any:
    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as answer:
            status = answer.status
            raise
        finally:
            metrics.observe_request(
                route_of(request), request.method, status, time.monotonic() - started
            )

    return measure
