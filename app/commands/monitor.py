"""`zaadje monitor [--from D] [--to D] [--json|--csv]`: what reached residents in a period."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.settings import Settings
from app.wiring import inhabitants_of
from monitor.period import Period, PeriodError, period_from
from monitor.report import Report, build_report


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "monitor", help="figures on signals, reach and results for a period", parents=[parent]
    )
    add_period_options(parser)
    parser.add_argument("--csv", action="store_true", help="one row per figure, as CSV")
    add_now_option(parser)
    parser.set_defaults(handler=run)


def add_period_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    tail = "" if required else "; default: the previous calendar month"
    parser.add_argument(
        "--from", dest="start", required=required, help=f"first day, YYYY-MM-DD{tail}"
    )
    parser.add_argument(
        "--to", dest="end", required=required, help=f"last day (inclusive), YYYY-MM-DD{tail}"
    )


def period_for(args: argparse.Namespace, settings: Settings, now: datetime) -> Period:
    """`--from`/`--to` in ZAADJE_TIMEZONE, both inclusive."""
    tz = ZoneInfo(settings.timezone)
    try:
        return period_from(args.start, args.end, now.astimezone(tz).date(), tz)
    except PeriodError as exc:
        raise UserError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    if args.json and args.csv:
        raise UserError("zaadje monitor: choose one of --json and --csv")
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    period = period_for(args, settings, now)
    inhabitants = inhabitants_of(settings)

    async def go() -> Report:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await build_report(conn, period, inhabitants, period.local_date(now))

    report = asyncio.run(go())
    if args.json:
        emit_json(report.to_json())
    elif args.csv:
        sys.stdout.write(report.to_csv())
    else:
        print_report(report)
    return 0


def _show(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def print_report(report: Report) -> None:
    period = report.period
    print(f"Monitor vroegsignalering {period.start.isoformat()} t/m {period.end.isoformat()}")
    for section in report.sections:
        print()
        unit = f" ({section.unit})" if section.unit else ""
        print(f"{section.title}{unit}")
        print(f"  {section.definition}")
        width = max((len(section.label(k)) for k in section.values), default=0)
        for key, value in section.values.items():
            print(f"  {section.label(key):<{width}}  {_show(value)}")
