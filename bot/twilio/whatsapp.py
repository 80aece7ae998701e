"""The WhatsApp channel through Twilio: the same Messages API as SMS, with its own rules.

`To` and `From` carry the `whatsapp:` prefix (or the messaging service sends). A message with
an approved template for its catalogue key and language goes as that template (`ContentSid`,
`ContentVariables` numbered as `messages.whatsapp` numbers the catalogue's placeholders);
anything else goes as free text, which WhatsApp delivers only within 24 hours of the
resident's last message (casework decides that when it queues; should the window have closed
meanwhile, Twilio's 63016 sends it by SMS). What Twilio's WhatsApp refusals mean is
`bot.twilio.whatsapp_errors`; recovery after a crash asks Twilio's Messages list as for SMS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.twilio.channel import TwilioChannel
from bot.twilio.config import TwilioConfig
from bot.twilio.whatsapp_errors import classify_whatsapp_error, whatsapp_receipt
from casework.channels import Outgoing, Receipt, Result
from messages.whatsapp import template_text, template_variables

PREFIX = "whatsapp:"


@dataclass(frozen=True)
class WhatsAppConfig:
    """`[whatsapp]`: the sender (`whatsapp:+31…`; None when the messaging service sends) and
    one approved template (Content SID) per catalogue key and language."""

    sender: str | None
    templates: Mapping[tuple[str, str], str] = field(default_factory=dict)


class WhatsAppChannel(TwilioChannel):
    def __init__(self, config: TwilioConfig, whatsapp: WhatsAppConfig, engine: AsyncEngine) -> None:
        super().__init__(config, engine, name="whatsapp")
        self.whatsapp = whatsapp

    def _request(self, message: Outgoing) -> dict[str, Any]:
        to = PREFIX + message.to
        sid = self.whatsapp.templates.get((message.message_key, message.locale))
        template = template_text(message.message_key, message.locale) if sid else None
        if sid and template is not None:
            variables = template_variables(template, message.values)
            return {"to": to, "content_sid": sid, "content_variables": json.dumps(variables)}
        return {"to": to, "body": message.text}

    def _sender(self) -> dict[str, Any]:
        if self.whatsapp.sender:
            return {"from_": self.whatsapp.sender}
        return super()._sender()

    def _refusal(self, status: int, code: int | None, retry_after: float | None) -> Result:
        return classify_whatsapp_error(status, code, retry_after)

    def _listed_to(self, to: str) -> str:
        return PREFIX + to

    def receipt(self, status: str, error: str | None) -> Receipt:
        return whatsapp_receipt(status, error)
