"""The webhook: `POST /webhooks/telegram`.

The secret-token header must equal TELEGRAM_WEBHOOK_SECRET, else 403 (checked here rather
than by aiogram's handler, which answers 401). The update is stored before the 200: Telegram
then considers it delivered, and a crash afterwards loses nothing (the retry handles it). A
duplicate `update_id` is answered 200 and changes nothing. The update is handled within the
request; its failure is ours to retry, not Telegram's, so the answer stays 200.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web

from bot.telegram.handling import UpdateHandler
from bot.telegram.updates import BadUpdate

log = logging.getLogger("zaadje.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are small; anything larger is not one


def webhook_view(
    handler: UpdateHandler, secret: str, clock: Callable[[], datetime]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = secret.encode()

    async def view(request: web.Request) -> web.Response:
        # Header bytes that are no UTF-8 arrive as surrogates: encoded back as they came, so
        # they compare unequal instead of raising (a 500 for anyone without the secret).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            return web.json_response({"error": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "update too large"}, status=413)
        try:
            payload = json.loads(await request.read())
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be an update
            return web.json_response({"error": "body is not JSON"}, status=400)
        try:
            row_id = await handler.store(payload, clock())
        except BadUpdate as exc:
            return web.json_response({"error": str(exc)}, status=400)
        if row_id is not None:
            await handler.handle(row_id, payload)
        return web.json_response({"ok": True})

    return view
