"""`zaadje export ddas --from D --to D --gemeentecode CODE`: the national DDAS v0.9 delivery."""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from app.commands.monitor import add_period_options, period_for
from app.database import open_database
from app.errors import CheckFailed, UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from monitor.cohort import load_cohort
from monitor.ddas_export import DdasInvalid, Delivery, export_ddas

GEMEENTECODE = re.compile(r"\d{4}")
SUPPLIER_CODE = "ZAADJE"
PLACEHOLDER = "0000"  # the shipped config's code: no municipality's


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    export = sub.add_parser("export", help="deliveries to others", parents=[parent])
    kinds = export.add_subparsers(dest="export_kind", required=True)
    ddas = kinds.add_parser(
        "ddas", help="the DDAS v0.9 document for CBS (validated first)", parents=[parent]
    )
    add_period_options(ddas, required=True)
    ddas.add_argument(
        "--gemeentecode", help="CBS gemeentecode, 4 digits; default: config [gemeente] code"
    )
    ddas.add_argument(
        "--leverancierscode",
        default=SUPPLIER_CODE,
        help=f"codeGegevensleverancier (default {SUPPLIER_CODE})",
    )
    add_now_option(ddas)
    ddas.set_defaults(handler=run_ddas)


def run_ddas(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    period = period_for(args, settings, now)
    gemeente = settings.config.get("gemeente", {})
    code = str(args.gemeentecode or gemeente.get("code", "")).strip()
    if code == PLACEHOLDER:
        raise UserError(
            "--gemeentecode: none given and config [gemeente] code is the placeholder "
            f"{PLACEHOLDER}; give the CBS gemeentecode (4 digits, e.g. 0518)"
        )
    if not GEMEENTECODE.fullmatch(code):
        raise UserError(f"--gemeentecode: a CBS gemeentecode has 4 digits, e.g. 0518: {code!r}")
    supplier = args.leverancierscode.strip()
    if not supplier:
        raise UserError("--leverancierscode: must not be empty")
    delivery = Delivery(
        gemeentecode=code,
        organisation=f"Gemeente {gemeente.get('naam', '')}".strip(),
        supplier_code=supplier,
        lookback_months=int(settings.config["intake"]["lookback_months"]),
        now=now,
    )

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine, engine.connect() as conn:
            cohort = await load_cohort(conn, period)
            return await export_ddas(conn, cohort, delivery)

    try:
        document = asyncio.run(go())
    except DdasInvalid as exc:
        # Our bug, not the user's: say so, print nothing on stdout, exit 1.
        raise CheckFailed(f"zaadje export ddas: {exc}") from exc
    emit_json(document)
    return 0
