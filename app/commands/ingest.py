"""`zaadje ingest FILE`: take in a partner's signal file."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from signals.intake import IntakeSettings, ingest_file
from signals.reader import Unreadable


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "ingest", help="take in a signal file (CSV or DDAS JSON)", parents=[parent]
    )
    parser.add_argument("file", help="path to the signal file")
    parser.add_argument("--format", choices=("csv", "json"), help="default: from the file")
    add_now_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = parse_now(args.now, calendar)
    intake = IntakeSettings.from_config(settings.config, calendar)
    path = Path(args.file)

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            bar = _progress_bar(args.json)
            try:
                # `is not None`: a tqdm bar without a total refuses bool() (TypeError).
                progress = bar.update if bar is not None else None
                return await ingest_file(engine, path, args.format, now, intake, progress)
            finally:
                if bar is not None:
                    bar.close()

    try:
        summary = asyncio.run(go())
    except Unreadable as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc
    except (DBAPIError, asyncpg.PostgresError, sqlite3.Error) as exc:
        # The driver's own text may quote the row it refused (an address, a BSN): only what
        # was refused is named. What was committed before stays; a re-run finishes the file.
        raise UserError(
            f"the database refused a batch of {path} ({_refusal(exc)}); the batches before it"
            " were stored, and taking the file in again finishes it"
        ) from None
    if args.json:
        emit_json(summary)
    else:
        _print_summary(summary)
    return 0


def _refusal(exc: BaseException) -> str:
    """The SQLSTATE and constraint of a database error, or SQLite's error name."""
    cause: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = exc.orig
    cause = cause.__cause__ or cause  # SQLAlchemy's asyncpg adapter wraps the driver's error
    name = getattr(cause, "constraint_name", None) or getattr(cause, "sqlite_errorname", None)
    code = getattr(cause, "sqlstate", None)
    return ", ".join(str(part) for part in (code, name) if part) or type(cause).__name__


def _progress_bar(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, desc="ingest", file=sys.stderr, smoothing=0.1)


def _print_summary(summary: dict[str, Any]) -> None:
    print(
        f"received {summary['received']}: accepted {summary['accepted']}"
        f" ({summary['accepted_with_warning']} with a warning), rejected {summary['rejected']},"
        f" duplicates {summary['duplicates']}, suppressed {summary['suppressed']}"
    )
    print(f"households {summary['households']}, cases opened {summary['cases_opened']}")
    if summary["waiting_for_address"]:
        print(
            f"waiting for an address {summary['waiting_for_address']}"
            " (only a BSN came: complete it on the case page or with `zaadje case address`)"
        )
    # Rejected rows are one issue each, so their count says how many are not shown; the
    # summary keeps the first 1,000 warnings (all are in ingest_issues).
    rows = (
        ("errors", "", 50, summary["rejected"], "rejected rows"),
        ("warnings", "warning: ", 20, len(summary["warnings"]), "warnings"),
    )
    for key, prefix, shown, total, name in rows:
        for item in summary[key][:shown]:
            print(f"  {prefix}line {item['line']}, {item['field']}: {item['message']}")
        if total > shown:
            print(f"  … and {total - shown} more {name} (see --json)")
