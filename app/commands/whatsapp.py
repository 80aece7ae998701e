"""`zaadje whatsapp …`: the WhatsApp templates at Twilio.

    zaadje whatsapp templates [--out FILE]   every template-bound text as a Content API payload
    zaadje whatsapp submit [--key K]         create them at Twilio and ask WhatsApp's approval
    zaadje whatsapp status                   read each configured template's approval status

`submit` prints the `[whatsapp.templates]` section to put in the configuration once WhatsApp
approved them; `status` keeps what Twilio said for the desk's text page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.channel_sms import twilio_config
from app.channel_whatsapp import whatsapp_config
from app.database import open_database
from app.errors import UserError
from app.output import emit_json
from app.runtime import settings_for
from app.settings import Settings
from bot.twilio.config import TwilioConfig
from bot.twilio.content import Approval, ContentApi, ContentError, payload, templates
from messages.whatsapp import MAX_TEMPLATE_BODY, TEMPLATE_KEYS, too_long
from store.models import table_of
from store.queries import dialect_insert
from store.whatsapp_models import WhatsAppTemplate

table = table_of(WhatsAppTemplate)


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("whatsapp", help="WhatsApp templates at Twilio", parents=[parent])
    actions = parser.add_subparsers(dest="whatsapp_command", required=True)
    listing = actions.add_parser(
        "templates", help="write every template as a Content API payload", parents=[parent]
    )
    listing.add_argument("--out", help="file to write (default: standard output)")
    listing.set_defaults(handler=run_templates)
    submit = actions.add_parser(
        "submit", help="create the templates at Twilio and ask approval", parents=[parent]
    )
    submit.add_argument("--key", choices=TEMPLATE_KEYS, help="only this text")
    submit.set_defaults(handler=run_submit)
    status = actions.add_parser(
        "status", help="read the configured templates' approval status", parents=[parent]
    )
    status.set_defaults(handler=run_status)


def run_templates(args: argparse.Namespace) -> int:
    found = templates()
    long = [t for t in found if too_long(t)]
    for template in long:
        print(
            f"{template.key} [{template.locale}]: {len(template.body)} characters, WhatsApp "
            f"takes at most {MAX_TEMPLATE_BODY}: left out",
            file=sys.stderr,
        )
    payloads = [
        {"key": t.key, "language": t.locale, "content": payload(t)} for t in found if t not in long
    ]
    text = json.dumps(payloads, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(payloads)} templates written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if long else 0


def _twilio(settings: Settings) -> TwilioConfig:
    config = twilio_config(settings)
    if config is None:
        raise UserError("Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    return config


def run_submit(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    api = ContentApi(_twilio(settings))
    chosen = [t for t in templates() if (args.key is None or t.key == args.key) and not too_long(t)]

    async def go() -> list[dict[str, Any]]:
        created: list[dict[str, Any]] = []
        async with open_database(settings) as engine:
            for template in chosen:
                sid = await api.create(template)
                approval = Approval(sid, "received", template.body, None)
                await _keep(engine, template.key, template.locale, approval)
                created.append({"key": template.key, "language": template.locale, "sid": sid})
        return created

    created = _at_twilio(go())
    if args.json:
        emit_json(created)
        return 0
    print("# Asked WhatsApp to approve these; once approved, put this in the configuration:")
    for key in dict.fromkeys(c["key"] for c in created):
        print(f'[whatsapp.templates."{key}"]')
        for c in created:
            if c["key"] == key:
                print(f'{c["language"]} = "{c["sid"]}"')
    return 0


def run_status(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    configured = whatsapp_config(settings).templates
    if not configured:
        raise UserError("no templates configured in [whatsapp.templates]")
    api = ContentApi(_twilio(settings))

    async def go() -> list[dict[str, Any]]:
        rows = []
        async with open_database(settings) as engine:
            for (key, locale), sid in sorted(configured.items()):
                approval = await api.approval(sid)
                await _keep(engine, key, locale, approval)
                rows.append({"key": key, "language": locale, "sid": sid, "status": approval.status})
        return rows

    rows = _at_twilio(go())
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(f"{row['key']} [{row['language']}] {row['sid']}: {row['status']}")
    return 0


def _at_twilio(work: Coroutine[Any, Any, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run the command's work; Twilio's refusal as a one-line error (exit 2)."""
    try:
        return asyncio.run(work)
    except ContentError as exc:
        raise UserError(str(exc)) from exc


async def _keep(engine: AsyncEngine, key: str, locale: str, approval: Approval) -> None:
    values = {
        "message_key": key,
        "locale": locale,
        "content_sid": approval.sid,
        "status": approval.status,
        "body": approval.body,
        "rejection_reason": approval.rejection_reason,
        "checked_at": datetime.now(UTC),
    }
    async with engine.begin() as conn:
        insert = dialect_insert(conn, table)
        await conn.execute(
            insert.on_conflict_do_update(
                index_elements=["message_key", "locale"],
                set_={k: insert.excluded[k] for k in values if k not in ("message_key", "locale")},
            ),
            values,
        )
