"""What the WhatsApp tests share: a town whose texts prefer WhatsApp, with approved templates
for the first contact and the reminder in Dutch at the fake Twilio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from messages.whatsapp import template_text
from tests.bot.twilio_kit import PHONE
from tests.fakes.twilio import FakeTwilio

WHATSAPP_FROM = "whatsapp:+3197010203040"
TEMPLATED = ("sms.first_contact", "sms.reminder")


def whatsapp_config(tmp: Path, fake: FakeTwilio, templated: tuple[str, ...] = TEMPLATED) -> str:
    """A config file preferring WhatsApp, with one approved template per key (Dutch)."""
    lines = [
        "[channels]",
        'order = ["whatsapp", "sms"]',
        "",
        "[whatsapp]",
        f'from = "{WHATSAPP_FROM}"',
    ]
    for key in templated:
        template = template_text(key, "nl")
        assert template is not None
        sid = fake.create_content(template.body)
        lines += ["", f'[whatsapp.templates."{key}"]', f'nl = "{sid}"']
    path = tmp / "whatsapp.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def whatsapp_form(sid: str, text: str, sender: str = PHONE, **extra: str) -> dict[str, Any]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "1" * 32,
        "From": f"whatsapp:{sender}",
        "To": WHATSAPP_FROM,
        "Body": text,
        "NumMedia": "0",
        "ProfileName": "Inwoner",
        "WaId": sender.lstrip("+"),
        **extra,
    }


def whatsapp_status(sid: str, status: str, error: str | None = None) -> dict[str, str]:
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "1" * 32,
        "From": WHATSAPP_FROM,
        "To": f"whatsapp:{PHONE}",
        "MessageStatus": status,
        "SmsStatus": status,
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
    }
    if error:
        form["ErrorCode"] = error
    return form
