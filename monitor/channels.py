"""Reach per channel: what each channel carried for the period's cases, and what came back.

Per channel (SMS, WhatsApp, chat, letter): messages handed over, confirmed delivered, read
(WhatsApp's read receipts), and the cases whose resident answered on it. Messages WhatsApp
could not take and that went by SMS instead are counted once, as SMS, and apart as
"rerouted": the number that tells a municipality how many residents are not on WhatsApp.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from monitor.cohort import CHUNK
from monitor.section import MonitorContext, Section, Value
from store.models import Inbound, Outbox, table_of
from store.queries import member_of

outbox_t = table_of(Outbox)
inbound_t = table_of(Inbound)
CHANNELS = ("sms", "whatsapp", "telegram", "letter")
NAMES = {"sms": "Sms", "whatsapp": "WhatsApp", "telegram": "Chat (Telegram)", "letter": "Brief"}
MEASURES = {
    "sent": "verstuurd",
    "delivered": "afgeleverd",
    "read": "gelezen",
    "answered": "zaken met antwoord",
}
HANDED_OVER = ("sent", "delivered")


async def reach_by_channel(ctx: MonitorContext) -> Section:
    ids = sorted(c.id for c in ctx.cohort.cases)
    counts: Counter[tuple[str, str]] = Counter()
    rerouted = 0
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        rows = await ctx.conn.execute(
            select(
                outbox_t.c.channel,
                outbox_t.c.status,
                outbox_t.c.provider_status,
                func.count().label("n"),
            )
            .where(member_of(outbox_t.c.case_id, "ids", ctx.conn))
            .group_by(outbox_t.c.channel, outbox_t.c.status, outbox_t.c.provider_status),
            chunk,
        )
        for channel, status, provider_status, n in rows:
            if status == "rerouted":
                rerouted += n
                continue
            if status in HANDED_OVER:
                counts[(channel, "sent")] += n
            if status == "delivered":
                counts[(channel, "delivered")] += n
            if provider_status == "read":
                counts[(channel, "read")] += n
        answered = await ctx.conn.execute(
            select(inbound_t.c.channel, func.count(func.distinct(inbound_t.c.case_id)))
            .where(member_of(inbound_t.c.case_id, "ids", ctx.conn))
            .group_by(inbound_t.c.channel),
            chunk,
        )
        for channel, n in answered:
            counts[(channel, "answered")] += n
    values: dict[str, Value] = {}
    labels: dict[str, str] = {}
    for channel in CHANNELS:
        for measure, word in MEASURES.items():
            if measure == "read" and channel != "whatsapp":
                continue  # only WhatsApp reports reading
            if measure == "answered" and channel == "letter":
                continue
            key = f"{channel}_{measure}"
            values[key] = counts[(channel, measure)]
            labels[key] = f"{NAMES[channel]}: {word}"
    values["whatsapp_rerouted"] = rerouted
    labels["whatsapp_rerouted"] = "WhatsApp niet mogelijk, per sms verstuurd"
    return Section(
        "reach_by_channel",
        "Bereik per kanaal",
        "Berichten aan de inwoners van de zaken van de periode per kanaal: verstuurd, door het "
        "kanaal als afgeleverd bevestigd, gelezen (alleen WhatsApp meldt dat), en het aantal "
        "zaken waarvan de inwoner via dat kanaal antwoordde.",
        values,
        unit="berichten / zaken",
        labels=labels,
        chart=False,
    )
