"""WhatsApp templates through Twilio's Content API: payloads from the catalogues, creating
them, asking WhatsApp's approval, and reading back what Twilio holds.

A template is one catalogue text (key, language) with our placeholders numbered `{{1}}`,
`{{2}}`, … (`messages.whatsapp`) and sample values WhatsApp's reviewers read; a text that
ends with the reply menu also gets its quick-reply buttons (`bot.menus`), whose ids come
back as `ButtonPayload` on the inbound webhook. Texts WhatsApp calls *utility* (about an
existing relationship, no marketing) are approved in minutes to hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from bot.menus import buttons_for
from bot.twilio.config import TwilioConfig
from bot.twilio.http import TwilioHttp
from messages import LOCALES, PLACEHOLDERS
from messages.whatsapp import TEMPLATE_KEYS, TemplateText, template_text

CATEGORY = "UTILITY"
SAMPLE_FALLBACK = "1"


class ContentError(RuntimeError):
    """Twilio refused a Content API request; the message says which template and why."""


def friendly_name(key: str, locale: str) -> str:
    # Lower case, digits and underscores: what WhatsApp accepts as a template name.
    return "zaadje_" + key.removeprefix("sms.").replace(".", "_") + "_" + locale


def payload(template: TemplateText) -> dict[str, Any]:
    """The Content API's create request for one template."""
    samples = {
        str(i): PLACEHOLDERS[name].typical or SAMPLE_FALLBACK
        for i, name in enumerate(template.names, start=1)
    }
    types: dict[str, Any] = {"twilio/text": {"body": template.body}}
    buttons = buttons_for(template.key)
    if buttons is not None:
        kind, choices = buttons
        types["twilio/quick-reply"] = {
            "body": template.body,
            "actions": [{"title": label, "id": f"{kind}:{label}"} for label in choices],
        }
    return {
        "friendly_name": friendly_name(template.key, template.locale),
        "language": template.locale,
        "variables": samples,
        "types": types,
    }


def templates() -> list[TemplateText]:
    """Every template-bound text in every language with a reviewed text."""
    found = []
    for key in TEMPLATE_KEYS:
        for locale in LOCALES:
            template = template_text(key, locale)
            if template is not None:
                found.append(template)
    return found


@dataclass(frozen=True)
class Approval:
    sid: str
    status: str  # approved / pending / received / rejected / paused / disabled / unsubmitted
    body: str | None
    rejection_reason: str | None


class ContentApi:
    def __init__(self, config: TwilioConfig) -> None:
        self.http = TwilioHttp(config.timeout_seconds, 2)
        self.client = Client(config.account_sid, config.auth_token, http_client=self.http)
        if config.api_base:
            self.client.content.base_url = config.api_base.rstrip("/")

    async def create(self, template: TemplateText) -> str:
        """Create the template at Twilio and ask WhatsApp to approve it: its Content SID."""
        request = ContentList.ContentCreateRequest(payload(template))
        try:
            async with self.http.batch():
                created = await self.client.content.v1.contents.create_async(request)
                sid = str(created.sid)
                approval = ApprovalCreateList.ContentApprovalRequest(
                    {"name": friendly_name(template.key, template.locale), "category": CATEGORY}
                )
                await self.client.content.v1.contents(sid).approval_create.create_async(approval)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise ContentError(
                f"{template.key} [{template.locale}]: Twilio refused it ({exc.status}, "
                f"code {exc.code})"
            ) from exc
        return sid

    async def approval(self, sid: str) -> Approval:
        """The approval status and body Twilio holds for one Content SID."""
        try:
            async with self.http.batch():
                content = self.client.content.v1.contents(sid)
                fetched = await content.fetch_async()
                approval = await content.approval_fetch().fetch_async()
        except TwilioRestException as exc:
            if exc.status == 404:
                return Approval(sid, "unknown", None, "Twilio does not know this Content SID")
            raise ContentError(f"{sid}: Twilio refused it ({exc.status}, code {exc.code})") from exc
        whatsapp: dict[str, Any] = dict(approval.whatsapp or {})
        return Approval(
            sid,
            str(whatsapp.get("status") or "unsubmitted"),
            _body(fetched.types or {}),
            str(whatsapp.get("rejection_reason") or "") or None,
        )


def _body(types: dict[str, Any]) -> str | None:
    for kind in ("twilio/quick-reply", "twilio/text"):
        part = types.get(kind)
        if isinstance(part, dict) and isinstance(part.get("body"), str):
            return str(part["body"])
    return None
