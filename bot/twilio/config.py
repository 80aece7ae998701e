"""What the Twilio channel and webhooks need to know, checked once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")

STATUS_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/sms"


class TwilioConfigError(ValueError):
    """The Twilio settings cannot work; the message names the variable to fix."""


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    public_base_url: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base: str | None = None  # None: Twilio's own API
    timeout_seconds: float = 10.0  # one hand-over; a slower answer counts as an outage
    concurrency: int = 10  # hand-overs in flight at once (the rate is the dispatcher's)

    def __post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise TwilioConfigError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
        if self.messaging_service_sid is not None:
            if not SERVICE_SID.match(self.messaging_service_sid):
                raise TwilioConfigError(
                    "TWILIO_MESSAGING_SERVICE_SID: expected MG followed by 32 hex digits"
                )
        elif self.from_number is None:
            raise TwilioConfigError(
                "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with Twilio credentials"
            )
        elif not E164.match(self.from_number):
            # Alphanumeric senders cannot receive replies in the Netherlands, and Zaadje's
            # whole point is the resident's reply: a two-way number (E.164) is required.
            raise TwilioConfigError(
                "TWILIO_FROM: a two-way phone number in E.164 form (+31…) is required; "
                "alphanumeric senders cannot receive replies"
            )

    @property
    def status_callback_url(self) -> str:
        return self.public_base_url.rstrip("/") + STATUS_PATH
