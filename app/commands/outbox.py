"""`zaadje outbox [--case ID]`: messages handed to a channel, oldest first."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy import select

from app.database import open_database
from app.output import emit_json
from app.runtime import settings_for
from store.models import Outbox, table_of

outbox_t = table_of(Outbox)


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("outbox", help="messages handed to a channel", parents=[parent])
    parser.add_argument("--case", type=int, help="only this case")
    parser.add_argument("--all", action="store_true", help="also messages not sent yet")
    parser.set_defaults(handler=run)


def row_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "case": row.case_id,
        "channel": row.channel,
        "to": row.to_address,
        "locale": row.sent_locale or row.locale,
        "message_key": row.message_key,
        "text": row.text,
        "status": row.status,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "not_before": row.not_before.isoformat() if row.not_before else None,
        "idempotency_key": row.idempotency_key,
    }


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)

    async def go() -> list[dict[str, Any]]:
        query = select(outbox_t)
        if args.case is not None:
            query = query.where(outbox_t.c.case_id == args.case)
        if not args.all:
            query = query.where(outbox_t.c.sent_at.is_not(None))
            query = query.order_by(outbox_t.c.sent_at, outbox_t.c.id)
        else:
            query = query.order_by(outbox_t.c.not_before, outbox_t.c.id)
        async with open_database(settings) as engine, engine.connect() as conn:
            return [row_dict(r) for r in await conn.execute(query)]

    rows = asyncio.run(go())
    if args.json:
        emit_json(rows)
    else:
        for r in rows:
            print(
                f"{r['sent_at'] or r['not_before']}  {r['status']:9} {r['channel']} {r['to']}"
                f"  {r['message_key']}  {r['text'] or ''}"
            )
    return 0
