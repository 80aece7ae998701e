"""`zaadje erase --phone/--bsn/--case`: a data-subject request to erase personal data.

Finds every case and signal of the resident, erases their personal data as `store/personal.py`
prescribes (the anonymous figures stay, so the monitor's past periods do not change), logs the
request in `erasures` without the erased values, and prints what was erased.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.wiring import case_rules_for
from scheduler.erasure import Target, erase, expand
from scheduler.purge import log_erasure
from scheduler.subject import by_bsn, by_case, by_phone
from signals.normalize import Invalid, check_bsn, normalize_phone
from store.erasure_lock import lock_for_erasure


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "erase", help="erase a resident's personal data (data-subject request)", parents=[parent]
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--phone", help="the resident's telephone number")
    which.add_argument("--bsn", help="the resident's burgerservicenummer")
    which.add_argument("--case", type=int, help="one case id")
    parser.add_argument("--by", default="cli", help="who handles the request (for the log)")
    add_now_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    kind, value = _subject(args)
    rules = case_rules_for(settings)

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine, engine.begin() as conn:
            await lock_for_erasure(conn)  # before the resident is looked for
            if kind == "phone":
                found: Target | None = await by_phone(conn, value)
            elif kind == "bsn":
                found = await by_bsn(conn, value)
            else:
                found = await by_case(conn, int(value))
                if found is None:
                    raise UserError(f"--case: no case {value}")
            assert found is not None
            target = await expand(conn, found)
            counts = await erase(conn, rules, target, now)
            # The log names the kind of request, never the number or BSN asked about.
            await log_erasure(conn, now, "request", f"verzoek: {kind}", args.by, target, counts)
            return {
                "cases": sorted(target.case_ids),
                "signals": len(target.signal_ids),
                "rows": dict(sorted(counts.items())),
            }

    result = asyncio.run(go())
    if args.json:
        emit_json(result)
    elif not result["cases"] and not result["signals"] and not result["rows"]:
        print("nothing found: no personal data of this resident is stored")
    else:
        cases = ", ".join(f"#{c}" for c in result["cases"]) or "none"
        print(f"erased: cases {cases}; {result['signals']} signal(s)")
        for table, count in result["rows"].items():
            print(f"  {table}: {count}")
    return 0


def _subject(args: argparse.Namespace) -> tuple[str, str]:
    try:
        if args.phone is not None:
            return "phone", normalize_phone(args.phone)
        if args.bsn is not None:
            return "bsn", check_bsn(args.bsn)
    except Invalid as exc:
        option = "--phone" if args.phone is not None else "--bsn"
        raise UserError(f"{option}: {exc}") from exc
    return "case", str(args.case)
