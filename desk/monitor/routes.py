"""Routes of this part of the desk (added to the desk application by `desk.app`)."""

from __future__ import annotations

from aiohttp import web


def routes() -> list[web.AbstractRouteDef]:
    return []
