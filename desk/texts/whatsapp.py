"""What the text page says about WhatsApp: per language, the template configured for this text,
its approval status as last read from Twilio (`zaadje whatsapp status`), and whether the
catalogue's text has moved on from the approved one (residents keep getting the approved text
until a new template is approved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.rules import TextRoute
from messages.whatsapp import MAX_TEMPLATE_BODY, TEMPLATE_KEYS, template_text
from store.models import table_of
from store.whatsapp_models import WhatsAppTemplate

templates_t = table_of(WhatsAppTemplate)


@dataclass(frozen=True)
class TemplateState:
    configured: bool  # a Content SID in [whatsapp.templates] for this text and language
    sid: str | None
    status: str | None  # as last read from Twilio; None: never read
    checked_at: datetime | None
    changed: bool  # the catalogue's text differs from the body Twilio holds
    rejection_reason: str | None
    length: int  # characters of the template body (WhatsApp takes at most 1,024)

    @property
    def too_long(self) -> bool:
        return self.length > MAX_TEMPLATE_BODY


def needs_template(key: str, route: TextRoute) -> bool:
    """Whether the text page speaks of WhatsApp templates for this text at all."""
    return route.whatsapp_first and (
        key in TEMPLATE_KEYS or any(k == key for k, _ in route.templates)
    )


async def template_states(
    engine: AsyncEngine, key: str, locales: tuple[str, ...] | list[str], route: TextRoute
) -> dict[str, TemplateState]:
    if not needs_template(key, route):
        return {}
    async with engine.connect() as conn:
        rows = {
            r.locale: r
            for r in await conn.execute(select(templates_t).where(templates_t.c.message_key == key))
        }
        await conn.rollback()
    states: dict[str, TemplateState] = {}
    for locale in locales:
        template = template_text(key, locale)
        body = template.body if template is not None else None
        row = rows.get(locale)
        states[locale] = TemplateState(
            configured=route.has_template(key, locale),
            sid=row.content_sid if row is not None else None,
            status=row.status if row is not None else None,
            checked_at=row.checked_at if row is not None else None,
            changed=row is not None
            and row.body is not None
            and body is not None
            and row.body != body,
            rejection_reason=row.rejection_reason if row is not None else None,
            length=len(body or ""),
        )
    return states
