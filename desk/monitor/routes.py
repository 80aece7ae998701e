"""The coordinators' monitor under /desk/monitor (the desk is mounted at /desk).

    GET /desk/monitor[?from=YYYY-MM-DD&to=YYYY-MM-DD]   every figure: definition, bar chart
                                                         (inline SVG) and its table
    GET /desk/monitor/figures.csv[?from=…&to=…]          the same figures as CSV

Default period: the previous calendar month on the municipality's clock. Coordinators (and
admins) only. The period form is a GET form without a CSRF token: it changes nothing, and a
token in a URL would leak into browser history and server logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from babel.numbers import format_decimal
from markupsafe import Markup

from desk.access import (
    DESK_SERVICES,
    current_session,
    render,
    request_locale,
    require_user,
)
from monitor.charts import bar_chart
from monitor.period import Period, PeriodError, period_from
from monitor.report import Report, build_report
from monitor.section import Section

ROLE = "coordinator"  # admins may do everything as well (require_user)
INHABITANTS: web.AppKey[int] = web.AppKey("monitor_inhabitants", int)


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    definition: str
    unit: str
    svg: Markup | None
    rows: list[tuple[str, str, str]]  # key, label, value as shown


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/monitor", page, name="monitor"),
        web.get("/monitor/figures.csv", figures_csv, name="monitor_csv"),
    ]


def _period(request: web.Request) -> Period:
    services = request.app[DESK_SERVICES]
    calendar = services.rules.calendar
    today = calendar.local_date(services.now())
    start = request.query.get("from") or None
    end = request.query.get("to") or None
    return period_from(start, end, today, calendar.tz)


async def _report(request: web.Request, period: Period) -> Report:
    services = request.app[DESK_SERVICES]
    inhabitants = request.app.get(INHABITANTS) or None
    today = services.rules.calendar.local_date(services.now())
    async with services.engine.connect() as conn:
        return await build_report(conn, period, inhabitants, today)


def _show(value: Any, locale: str) -> str:
    if value is None:
        return "–"
    return str(format_decimal(value, locale="nl_NL" if locale == "nl" else "en_GB"))


def _shown(section: Section, locale: str) -> ShownSection:
    # The chart writes its numbers as the table does: the table is its text alternative.
    svg = (
        bar_chart(section, f"chart-{section.key}", lambda v: _show(v, locale))
        if section.chart
        else None
    )
    return ShownSection(
        key=section.key,
        title=section.title,
        definition=section.definition,
        unit=section.unit,
        # Safe: bar_chart escapes every text it puts in the SVG.
        svg=Markup(svg) if svg else None,
        rows=[(k, section.label(k), _show(v, locale)) for k, v in section.values.items()],
    )


async def page(request: web.Request) -> web.StreamResponse:
    await require_user(request, ROLE)
    try:
        period = _period(request)
    except PeriodError as exc:
        return render(
            request,
            "monitor/index.html",
            {
                "status": 400,
                "flash": str(exc),
                "flash_kind": "error",
                "start": request.query.get("from", ""),
                "end": request.query.get("to", ""),
                "sections": [],
                "period": None,
            },
        )
    report = await _report(request, period)
    locale = request_locale(request, await current_session(request))
    return render(
        request,
        "monitor/index.html",
        {
            "period": period,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "sections": [_shown(s, locale) for s in report.sections],
            "inhabitants": report.inhabitants,
        },
    )


async def figures_csv(request: web.Request) -> web.StreamResponse:
    await require_user(request, ROLE)
    try:
        period = _period(request)
    except PeriodError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    report = await _report(request, period)
    name = f"monitor_{period.start.isoformat()}_{period.end.isoformat()}.csv"
    return web.Response(
        text=report.to_csv(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
