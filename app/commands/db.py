"""`zaadje db upgrade`: create or migrate the database; `zaadje db check`: prove that no row of
the intake points nowhere."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from app.database import open_database
from app.errors import CheckFailed, UserError
from app.output import emit_json
from app.runtime import settings_for
from store.engine import UnsupportedDatabase, async_url
from store.integrity import Dangling, dangling_references
from store.migrate import upgrade


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    db = sub.add_parser("db", help="database maintenance", parents=[parent])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate to the newest schema", parents=[parent])
    up.set_defaults(handler=run_upgrade)
    check = db_sub.add_parser(
        "check",
        help="prove that no signal or case points to a missing row (exit 1 if one does)",
        parents=[parent],
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    settings = settings_for(args)

    async def go() -> list[Dangling]:
        async with open_database(settings) as engine, engine.connect() as conn:
            return await dangling_references(conn)

    found = asyncio.run(go())
    if args.json:
        emit_json({"ok": not found, "dangling": [d.as_dict() for d in found]})
    elif not found:
        print("ok: every signal and case points to rows that exist")
    for d in found if not args.json else []:
        print(
            f"{d.rows} row(s) of {d.table} whose {d.column} names no row of {d.references}"
            f" (ids {', '.join(map(str, d.examples))}{', …' if d.rows > len(d.examples) else ''})"
        )
    if found:
        raise CheckFailed(f"{sum(d.rows for d in found)} row(s) point nowhere")
    return 0


def run_upgrade(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    try:
        async_url(settings.database_url)
        revision = upgrade(settings.database_url)
    except UnsupportedDatabase as exc:
        raise UserError(str(exc)) from exc
    except (OperationalError, DBAPIError, OSError) as exc:
        raise UserError(
            f"cannot migrate the database: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        ) from exc
    if args.json:
        emit_json({"revision": revision})
    else:
        print(f"database at revision {revision}")
    return 0
