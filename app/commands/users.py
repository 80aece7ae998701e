"""`zaadje users add NAME --role ROLE`: desk users (the password is prompted, or taken from
--password or ZAADJE_NEW_PASSWORD for scripts)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from typing import Any

from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import settings_for
from desk.roles import ROLES
from desk.users import MIN_PASSWORD, add_user
from desk.users import UserError as DeskUserError


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    users = sub.add_parser("users", help="desk users", parents=[parent])
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add a desk user", parents=[parent])
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password", help="else ZAADJE_NEW_PASSWORD, else asked for")
    add.set_defaults(handler=run_add)


def _password(args: argparse.Namespace) -> str:
    password: str | None = args.password or os.environ.get("ZAADJE_NEW_PASSWORD")
    if password is None:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Again: ")
        except EOFError as exc:
            raise UserError("no password: use --password or ZAADJE_NEW_PASSWORD") from exc
        if password != again:
            raise UserError("the passwords differ")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short: at least {MIN_PASSWORD} characters")
    return password


def run_add(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    password = _password(args)

    async def go() -> dict[str, Any]:
        async with open_database(settings) as engine:
            user = await add_user(engine, args.name, args.role, password)
        return {"id": user.id, "name": user.name, "role": user.role}

    try:
        added = asyncio.run(go())
    except DeskUserError as exc:
        raise UserError(str(exc)) from exc
    emit_json(added) if args.json else print(f"user {added['name']} added ({added['role']})")
    return 0
