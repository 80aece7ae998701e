"""`zaadje export ddas --from D --to D --gemeentecode CODE [--version 1.2|0.9]`: the national
DDAS delivery, v1.2 unless v0.9 is asked for."""

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
from app.settings import Settings
from monitor.cohort import load_cohort
from monitor.ddas_config import DdasConfigError, DdasSettings
from monitor.ddas_export import DdasInvalid, Delivery, export_ddas
from monitor.ddas_versions import DEFAULT_VERSION, VERSIONS

GEMEENTECODE = re.compile(r"\d{4}")
PLACEHOLDER = "0000"  # the shipped config's code: no municipality's


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    export = sub.add_parser("export", help="deliveries to others", parents=[parent])
    kinds = export.add_subparsers(dest="export_kind", required=True)
    ddas = kinds.add_parser(
        "ddas",
        help=f"the DDAS document for CBS, v{DEFAULT_VERSION} unless --version says otherwise "
        "(validated against that version's national schema first)",
        parents=[parent],
    )
    add_period_options(ddas, required=True)
    ddas.add_argument(
        "--gemeentecode", help="CBS gemeentecode, 4 digits; default: config [gemeente] code"
    )
    ddas.add_argument(
        "--version",
        dest="ddas_version",
        metavar="|".join(VERSIONS),
        default=DEFAULT_VERSION,
        help=f"DDAS version: {' or '.join(VERSIONS)} (default {DEFAULT_VERSION})",
    )
    ddas.add_argument(
        "--leverancierscode",
        metavar="CODE",
        help="codeGegevensleverancier; default: config [ddas] leverancierscode (ZAADJE)",
    )
    add_now_option(ddas)
    ddas.set_defaults(handler=run_ddas)


def ddas_settings_for(settings: Settings) -> DdasSettings:
    naam = str(settings.config.get("gemeente", {}).get("naam", ""))
    try:
        return DdasSettings.from_config(settings.config.get("ddas", {}), naam)
    except DdasConfigError as exc:
        raise UserError(f"config [ddas]: {exc}") from exc


def run_ddas(args: argparse.Namespace) -> int:
    version = VERSIONS.get(args.ddas_version.strip())
    if version is None:
        raise UserError(
            f"--version: Zaadje delivers DDAS {' or '.join(VERSIONS)}, not {args.ddas_version!r}"
        )
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
    ddas = ddas_settings_for(settings)
    supplier = ddas.supplier_code
    if args.leverancierscode is not None:
        supplier = args.leverancierscode.strip()
        if not supplier:
            raise UserError("--leverancierscode: must not be empty")
    delivery = Delivery(
        gemeentecode=code,
        organisation=ddas.organisation,
        supplier_code=supplier,
        lookback_months=int(settings.config["intake"]["lookback_months"]),
        now=now,
    )

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine, engine.connect() as conn:
            cohort = await load_cohort(conn, period)
            return await export_ddas(conn, cohort, delivery, version)

    try:
        document = asyncio.run(go())
    except DdasInvalid as exc:
        # Not the user's mistake: say so, print nothing on stdout, exit 1.
        raise CheckFailed(f"zaadje export ddas: {exc}") from exc
    emit_json(document)
    return 0
