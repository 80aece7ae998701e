"""WhatsApp templates as last read from Twilio's Content API.

A business-initiated WhatsApp message must use a template WhatsApp approved in advance; the
configuration names one Content SID per catalogue key and language. This table remembers what
Twilio last said about each (its approval status and the body it was approved with), so the
desk can show the status and warn when the catalogue's text has moved on from the approved one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class WhatsAppTemplate(Base):
    __tablename__ = "whatsapp_templates"

    message_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    content_sid: Mapped[str] = mapped_column(String(40))
    # approved / pending / rejected / paused / disabled / unsubmitted / unknown
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)  # the body Twilio holds for this SID
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime]
