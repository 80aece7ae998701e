"""The home-visit card a caseworker leaves when nobody opens the door (DDAS `Kaartje`): the
municipality, a short text asking the resident to call (Dutch; the resident's reviewed language
on the back), the caseworker's first name and the public number."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.printer.batches import PostSettings, language_parts
from bot.printer.documents import Card
from store.models import Case, table_of

cases_t = table_of(Case)
KEY = "card.visit"


class CardError(ValueError):
    """No such case."""


async def visit_card(
    engine: AsyncEngine, post: PostSettings, case_id: int, caseworker: str, day: date
) -> bytes:
    async with engine.connect() as conn:
        locale = await conn.scalar(select(cases_t.c.locale).where(cases_t.c.id == case_id))
    if locale is None:
        raise CardError(f"no case {case_id}")
    first_name = caseworker.split()[0] if caseworker.split() else ""
    values = {**post.values, "datum": day, "medewerker": first_name}
    parts = language_parts(KEY, locale, values)
    card = Card(reference=f"Zaak {case_id}", parts=parts, caseworker=first_name)
    from bot.printer.pdf import cards_pdf  # the typesetting library, when it is needed

    return cards_pdf([card], post.sender)
