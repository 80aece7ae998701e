"""The resident simulator page, while the simulated channel is active."""

from __future__ import annotations

from aiohttp import web

from app.services import Services


def install(app: web.Application, services: Services) -> None:
    """Add this part's routes (and startup/cleanup hooks) to the application."""
