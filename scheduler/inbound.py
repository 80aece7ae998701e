"""The inbound pass: handle again any stored resident message whose handling failed, so
nothing a resident sent is left unanswered."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from casework.inbox import unhandled
from casework.replies import handle
from scheduler.context import Context

log = logging.getLogger("zaadje.inbound")


PAGE = 100
MAX_PER_PASS = 5000  # a backlog after a crash is worked off over a few passes, not one


async def retry_inbound(ctx: Context, now: datetime) -> int:
    handled = 0
    last = 0
    # A minute's grace: a message being handled right now is not taken from its handler.
    # Paged by id, so a message that keeps failing does not stop the ones after it.
    while handled < MAX_PER_PASS:
        page = await unhandled(ctx.engine, now - timedelta(minutes=1), PAGE, after=last)
        for inbound_id in page:
            try:
                await handle(ctx.engine, ctx.rules, inbound_id, now)
                handled += 1
            except Exception:
                log.exception("inbound message not handled; retried", extra={"inbound": inbound_id})
        if len(page) < PAGE:
            break
        last = page[-1]
    return handled
