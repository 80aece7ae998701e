"""`zaadje feedback --out DIR [--from D] [--to D] [--partner TYPE] [--partner-name NAME]`:
one CSV per signal partner saying, per signal, "opgepakt" or "niet opgepakt".

`--out -` writes the CSV to stdout instead; that needs a selection of exactly one partner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.commands.monitor import add_period_options, period_for
from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from monitor.cohort import Cohort, load_cohort
from monitor.feedback import (
    NIET_OPGEPAKT,
    OPGEPAKT,
    FeedbackRow,
    Partner,
    feedback_rows,
    file_names,
    to_csv,
)
from monitor.period import Period


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "feedback",
        help="per partner a CSV: was each signal taken up (opgepakt / niet opgepakt)",
        parents=[parent],
    )
    add_period_options(parser)
    parser.add_argument("--partner", help="only this partner type (DDAS signaalpartner)")
    parser.add_argument("--partner-name", help="only the partner with this name")
    parser.add_argument(
        "--out", required=True, help="folder for the CSV files; '-' for stdout (one partner)"
    )
    add_now_option(parser)
    parser.set_defaults(handler=run)


def _select(
    rows: dict[Partner, list[FeedbackRow]], kind: str | None, name: str | None
) -> dict[Partner, list[FeedbackRow]]:
    return {
        p: r
        for p, r in rows.items()
        if (kind is None or p.type.lower() == kind.lower())
        and (name is None or p.name.lower() == name.lower())
    }


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a partner never receives half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    period = period_for(args, settings, now)
    to_stdout = args.out == "-"
    folder = Path(args.out)
    if not to_stdout and not folder.is_dir():
        raise UserError(f"--out: not a folder: {args.out}")

    async def go() -> Cohort:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await load_cohort(conn, period)

    rows = _select(feedback_rows(asyncio.run(go())), args.partner, args.partner_name)
    if to_stdout:
        if len(rows) != 1:
            found = ", ".join(p.label for p in rows) or "none"
            raise UserError(
                f"--out -: writes one partner's CSV; the selection has {len(rows)} ({found}): "
                "narrow it with --partner / --partner-name, or give a folder"
            )
        ((_, only),) = rows.items()
        sys.stdout.write(to_csv(only))
        return 0
    names = file_names(list(rows))
    written = []
    for partner, partner_rows in rows.items():
        path = folder / f"{names[partner]}_{_span(period)}.csv"
        _write(path, to_csv(partner_rows))
        written.append(
            {
                "partner_type": partner.type,
                "partner_name": partner.name,
                "path": str(path),
                "signals": len(partner_rows),
                "opgepakt": sum(1 for r in partner_rows if r.status == OPGEPAKT),
                "niet_opgepakt": sum(1 for r in partner_rows if r.status == NIET_OPGEPAKT),
            }
        )
    if args.json:
        emit_json(
            {"from": period.start.isoformat(), "to": period.end.isoformat(), "files": written}
        )
    else:
        if not written:
            print("no signals in the period: no files written")
        for item in written:
            print(
                f"{item['path']}: {item['signals']} signals, {item['opgepakt']} opgepakt, "
                f"{item['niet_opgepakt']} niet opgepakt"
            )
    return 0


def _span(period: Period) -> str:
    return f"{period.start.isoformat()}_{period.end.isoformat()}"
