"""The WhatsApp channel and the routing of texts, from `[channels]` and `[whatsapp]`."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.channel_sms import twilio_config
from app.errors import UserError
from app.settings import Settings
from bot.twilio.whatsapp import PREFIX, WhatsAppChannel, WhatsAppConfig
from casework.channels import Channel
from casework.rules import TextRoute
from messages import KEYS_BY_NAME, LOCALES

CHANNELS = ("sms", "whatsapp")
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
WHATSAPP_SENDER = re.compile(r"^whatsapp:\+[1-9][0-9]{6,14}$")


def channel_order(settings: Settings) -> tuple[str, ...]:
    order = settings.config.get("channels", {}).get("order", ["sms"])
    if not isinstance(order, list) or not order or not all(c in CHANNELS for c in order):
        raise UserError(f"config [channels] order: a list of {', '.join(CHANNELS)}, not {order!r}")
    if "sms" not in order or len(set(order)) != len(order):
        raise UserError(
            f"config [channels] order: SMS is the fallback and must be in it once: {order!r}"
        )
    return tuple(order)


def whatsapp_first(settings: Settings) -> bool:
    order = channel_order(settings)
    return order.index("whatsapp") < order.index("sms") if "whatsapp" in order else False


def whatsapp_config(settings: Settings) -> WhatsAppConfig:
    section: dict[str, Any] = settings.config.get("whatsapp", {})
    sender = str(section.get("from", "") or "").strip() or None
    if sender is not None and not WHATSAPP_SENDER.match(sender):
        raise UserError(f"config [whatsapp] from: expected {PREFIX}+31… (E.164), not {sender!r}")
    templates: dict[tuple[str, str], str] = {}
    for key, per_language in (section.get("templates") or {}).items():
        spec = KEYS_BY_NAME.get(key)
        if spec is None or spec.kind != "sms":
            raise UserError(
                f"config [whatsapp.templates] {key!r}: not a text for residents' phones"
            )
        if spec.plural:
            raise UserError(
                f"config [whatsapp.templates] {key!r}: a plural text cannot be a template"
            )
        if not isinstance(per_language, dict):
            raise UserError(f"config [whatsapp.templates.{key!r}]: one Content SID per language")
        for locale, sid in per_language.items():
            if locale not in LOCALES:
                raise UserError(
                    f"config [whatsapp.templates.{key!r}] {locale}: not a language "
                    f"({', '.join(LOCALES)})"
                )
            if not isinstance(sid, str) or not CONTENT_SID.match(sid):
                raise UserError(
                    f"config [whatsapp.templates.{key!r}] {locale}: a Content SID is HX "
                    "followed by 32 hex digits"
                )
            templates[(key, locale)] = sid
    return WhatsAppConfig(sender, templates)


def text_route(settings: Settings) -> TextRoute:
    if not whatsapp_first(settings):
        return TextRoute()
    return TextRoute(True, frozenset(whatsapp_config(settings).templates))


def whatsapp_channel(settings: Settings, engine: AsyncEngine) -> Channel | None:
    """The WhatsApp channel through Twilio when it is in `[channels] order` and Twilio is
    configured; None otherwise (the simulated one is used)."""
    if "whatsapp" not in channel_order(settings):
        return None
    config = twilio_config(settings)
    if config is None:
        return None
    whatsapp = whatsapp_config(settings)
    if whatsapp.sender is None and config.messaging_service_sid is None:
        raise UserError(
            "config [whatsapp] from (whatsapp:+31…) or TWILIO_MESSAGING_SERVICE_SID is needed "
            "for WhatsApp"
        )
    return WhatsAppChannel(config, whatsapp, engine)
