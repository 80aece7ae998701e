"""`zaadje case attempt`: a contact attempt a caseworker made outside a task;
`zaadje case address`: the address of a case that came with only a BSN."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import (
    add_now_option,
    calendar_for,
    login_name,
    parse_day,
    parse_now,
    settings_for,
)
from casework.address import AddressError, complete_address, parse_address
from casework.attempts import MANUAL_SOORTEN, AttemptError, record_attempt
from flows.ddas import DAGDELEN
from signals.settings import IntakeSettings

YES = {"yes": True, "ja": True, "no": False, "nee": False}


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    case = sub.add_parser("case", help="record something about one case", parents=[parent])
    case_sub = case.add_subparsers(dest="case_command", required=True)
    a = case_sub.add_parser(
        "attempt",
        help="record a contact attempt made outside a task (a letter, an e-mail, …)",
        parents=[parent],
    )
    a.add_argument("id", type=int, metavar="CASE_ID")
    a.add_argument(
        "--soort",
        required=True,
        help=f"DDAS contactsoort: one of {', '.join(MANUAL_SOORTEN)}",
    )
    a.add_argument("--reached", required=True, choices=sorted(YES))
    a.add_argument("--date", help="the day of the attempt (YYYY-MM-DD); default: today")
    a.add_argument("--daypart", choices=DAGDELEN)
    a.add_argument("--user", help="who made the attempt; default: the logged-in user")
    add_now_option(a)
    a.set_defaults(handler=run_attempt)
    ad = case_sub.add_parser(
        "address",
        help="complete the address of a case waiting for it (a signal with only a BSN)",
        parents=[parent],
    )
    ad.add_argument("id", type=int, metavar="CASE_ID")
    ad.add_argument("--postcode", required=True)
    ad.add_argument("--huisnummer", required=True)
    ad.add_argument("--toevoeging", default="")
    ad.add_argument("--user", help="who completed it; default: the logged-in user")
    add_now_option(ad)
    ad.set_defaults(handler=run_address)


def run_attempt(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = calendar.local(parse_now(args.now, calendar))
    datum = parse_day(args.date, now.date())
    user = login_name(args.user)

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            return await record_attempt(
                engine,
                args.id,
                soort=args.soort,
                bereikt=YES[args.reached],
                datum=datum,
                dagdeel=args.daypart,
                user=user,
                now=now,
            )

    try:
        attempt = asyncio.run(go())
    except AttemptError as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        emit_json(attempt)
    else:
        reached = "reached" if attempt["bereikt"] else "not reached"
        daypart = f" ({attempt['dagdeel']})" if attempt["dagdeel"] else ""
        print(
            f"attempt #{attempt['id']} case {attempt['case']}: {attempt['soort']}, {reached}, "
            f"{attempt['datum']}{daypart}"
        )
    return 0


def run_address(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    calendar = calendar_for(settings)
    now = parse_now(args.now, calendar)
    intake = IntakeSettings.from_config(settings.config, calendar)

    async def go() -> dict[str, Any]:
        address = parse_address(args.postcode, args.huisnummer, args.toevoeging)
        async with open_database(settings) as engine:
            return await complete_address(
                engine, args.id, address, intake, now, login_name(args.user)
            )

    try:
        outcome = asyncio.run(go())
    except AddressError as exc:
        raise UserError(f"{exc.field}: {exc}") from exc
    if args.json:
        emit_json(outcome)
    elif outcome["case"] is None:
        print(f"case {args.id}: every signal repeats one the household has; nothing new to do")
    elif outcome["joined"]:
        print(f"case {args.id}: its signals joined the household's case {outcome['case']}")
    else:
        print(f"case {args.id} is now the household's case")
    return 0
