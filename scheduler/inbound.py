"""The inbound pass: handle again any stored resident message whose handling failed, so
nothing a resident sent is left unanswered."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.inbound import handle, unhandled
from scheduler.context import Context

log = logging.getLogger("zaadje.inbound")


async def retry_inbound(ctx: Context, now: datetime) -> int:
    handled = 0
    # A minute's grace: a message being handled right now is not taken from its handler.
    for inbound_id in await unhandled(ctx.engine, now - timedelta(minutes=1)):
        try:
            await handle(ctx.engine, ctx.work, inbound_id, now)
            handled += 1
        except Exception:
            log.exception("inbound message not handled; retried", extra={"inbound": inbound_id})
    return handled
