"""`zaadje experiment list|stop`: the municipality's experiments and their variants.

`list` shows each experiment from the config with its variants, how many cases each has and
whether it was stopped. `stop NAME VARIANT` stops a variant for every worker (the stop is a
row in the database) and withdraws it from its running cases at once: those that have not
passed the step finish on the default ladder.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import add_now_option, calendar_for, parse_now, settings_for
from app.settings import Settings
from app.wiring import case_rules_for
from casework.apply import apply_events
from casework.rules import CaseRules
from flows.events import VariantStopped
from flows.experiments import Experiment
from store.experiment_models import ExperimentAssignment, ExperimentStop
from store.models import Case, table_of

assignments_t = table_of(ExperimentAssignment)
stops_t = table_of(ExperimentStop)
cases_t = table_of(Case)
BATCH = 500


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("experiment", help="experiments with the outreach", parents=[parent])
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="experiments, variants and cases", parents=[parent])
    listing.set_defaults(handler=run_list)
    stop = actions.add_parser("stop", help="stop one variant", parents=[parent])
    stop.add_argument("name", help="the experiment, as named in the config")
    stop.add_argument("variant", help="the variant to stop")
    stop.add_argument("--by", default="cli", help="who stops it (kept with the stop)")
    add_now_option(stop)
    stop.set_defaults(handler=run_stop)


def run_list(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    rules = case_rules_for(settings)

    async def go() -> list[dict[str, Any]]:
        async with open_database(settings) as engine:
            return await _listing(engine, rules.experiments)

    listing = asyncio.run(go())
    if args.json:
        emit_json(listing)
    elif not listing:
        print("no experiments configured")
    else:
        for experiment in listing:
            end = experiment["end"] or "open"
            print(f"{experiment['name']}: step {experiment['step']}, {experiment['start']} – {end}")
            for v in experiment["variants"]:
                state = "stopped" if v["stopped"] else "running"
                print(f"  {v['name']}: weight {v['weight']}, {v['cases']} case(s), {state}")
    return 0


async def _listing(
    engine: AsyncEngine, experiments: tuple[Experiment, ...]
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        counts = {
            (e, v): int(n)
            for e, v, n in await conn.execute(
                select(assignments_t.c.experiment, assignments_t.c.variant, func.count()).group_by(
                    assignments_t.c.experiment, assignments_t.c.variant
                )
            )
        }
        stopped = {
            (e, v) for e, v in await conn.execute(select(stops_t.c.experiment, stops_t.c.variant))
        }
    return [
        {
            "name": e.name,
            "step": e.step,
            "start": e.start.isoformat(),
            "end": e.end.isoformat() if e.end else None,
            "variants": [
                {
                    "name": v.name,
                    "weight": v.weight,
                    "changes": {
                        k: val
                        for k, val in (
                            ("message", v.message),
                            ("working_days", v.working_days),
                            ("hours", v.hours),
                            ("ladder", v.ladder),
                        )
                        if val is not None
                    },
                    "cases": counts.get((e.name, v.name), 0),
                    "stopped": (e.name, v.name) in stopped,
                }
                for v in e.variants
            ],
        }
        for e in experiments
    ]


def run_stop(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    now = parse_now(args.now, calendar_for(settings))
    rules = case_rules_for(settings)
    _check_known(rules, args.name, args.variant)

    result = asyncio.run(_stop(settings, rules, args.name, args.variant, args.by, now))
    if args.json:
        emit_json(result)
    else:
        print(
            f"stopped {args.name}/{args.variant}: "
            f"{result['cases_withdrawn']} running case(s) continue on the default ladder"
        )
    return 0


def _check_known(rules: CaseRules, name: str, variant: str) -> None:
    experiment = next((e for e in rules.experiments if e.name == name), None)
    if experiment is None:
        known = ", ".join(e.name for e in rules.experiments) or "none configured"
        raise UserError(f"experiment stop: no experiment {name!r} (known: {known})")
    if experiment.variant(variant) is None:
        known = ", ".join(v.name for v in experiment.variants)
        raise UserError(f"experiment stop: {name} has no variant {variant!r} (known: {known})")


async def _stop(
    settings: Settings, rules: CaseRules, name: str, variant: str, by: str, now: datetime
) -> dict[str, Any]:
    async with open_database(settings) as engine:
        async with engine.begin() as conn:
            already = await conn.scalar(
                select(stops_t.c.stopped_at).where(
                    stops_t.c.experiment == name, stops_t.c.variant == variant
                )
            )
            if already is None:
                await conn.execute(
                    stops_t.insert().values(
                        experiment=name, variant=variant, stopped_at=now, stopped_by=by
                    )
                )
        running = (
            select(assignments_t.c.case_id)
            .join(cases_t, cases_t.c.id == assignments_t.c.case_id)
            .where(
                assignments_t.c.experiment == name,
                assignments_t.c.variant == variant,
                cases_t.c.state == "open",
            )
        )
        async with engine.connect() as conn:
            case_ids = [i for (i,) in await conn.execute(running.order_by(assignments_t.c.case_id))]
        # In batches, each under the case locks like any other event for these cases.
        for start in range(0, len(case_ids), BATCH):
            async with engine.begin() as conn:
                batch = case_ids[start : start + BATCH]
                await apply_events(conn, [(cid, VariantStopped()) for cid in batch], now, rules)
    return {
        "experiment": name,
        "variant": variant,
        "stopped_at": (already or now).isoformat(),
        "cases_withdrawn": len(case_ids),
    }
