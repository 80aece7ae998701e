"""The desk under /desk: a sub-application with its own guard middleware."""

from __future__ import annotations

import os

from aiohttp import web

from app.errors import UserError
from app.services import Services
from app.wiring import inhabitants_of
from bot.printer.batches import PostSettings
from desk.access import DeskServices
from desk.app import build_desk_app
from desk.monitor.routes import INHABITANTS as MONITOR_INHABITANTS
from desk.oidc_client import OIDC_CLIENT, OidcClient
from desk.oidc_config import LOGIN_CONFIG, LoginConfigError, load_login_config
from signals.settings import IntakeSettings

DESK_APP: web.AppKey[web.Application] = web.AppKey("desk_app", web.Application)


def install(app: web.Application, services: Services) -> None:
    """Mount the desk at /desk; `app[DESK_APP]` is the sub-application (tests set its clock)."""
    desk = build_desk_app(
        DeskServices(
            engine=services.engine,
            rules=services.context.rules,
            values=services.context.values,
            capacity=services.context.capacity,
            intake=IntakeSettings.from_config(services.settings.config, services.context.calendar),
            post=PostSettings.from_config(services.settings.config),
            secure_cookies=services.settings.public_base_url.startswith("https://"),
        )
    )
    desk[MONITOR_INHABITANTS] = inhabitants_of(services.settings) or 0
    settings = services.settings
    try:  # [desk] and [oidc]; the client secret from the environment, never the TOML file
        login = load_login_config(settings.config, os.environ, settings.public_base_url)
    except LoginConfigError as exc:
        raise UserError(str(exc)) from exc
    desk[LOGIN_CONFIG] = login
    if login.oidc is not None:
        desk[OIDC_CLIENT] = OidcClient(login.oidc, settings.secret_key)
    app.add_subapp("/desk", desk)
    app[DESK_APP] = desk
