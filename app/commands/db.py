"""`zaadje db upgrade`: create or migrate the database."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from app.errors import UserError
from app.output import emit_json
from app.runtime import settings_for
from store.engine import UnsupportedDatabase, async_url
from store.migrate import upgrade


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    db = sub.add_parser("db", help="database maintenance", parents=[parent])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate to the newest schema", parents=[parent])
    up.set_defaults(handler=run_upgrade)


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
