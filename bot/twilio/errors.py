"""What a Twilio answer means for the resident's ladder.

Three kinds of trouble, kept strictly apart:
- the resident's number cannot take SMS (invalid, landline; 21211, 21614, …): a permanent
  failure, the ladder moves on to a phone call;
- the resident blocked us (21610): a permanent failure that is an opt-out;
- everything else is not the resident's doing — an outage, a rate limit, a timeout, but also
  our own configuration (bad credentials 20003, a wrong sender 21606, geo permissions 21408) —
  so it is retried with backoff and never burns a rung of the resident's ladder. Our own
  configuration errors are logged loudly (code only, never a number or a text) so an operator
  fixes them; once fixed, the queued messages go out.

Decision for other 4xx codes we do not know: the same as a configuration error (retried, logged
as an error). Declaring a number dead on an error we do not understand would silently cost a
resident their outreach; retrying costs at most the dispatcher's `max_attempts`, after which the
case's own timers carry the ladder on (`Failed(permanent=False)`).

Reasons are our own short descriptions: Twilio's message texts quote the phone number.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from casework.channels import PermanentFailure, Receipt, TemporaryFailure

log = logging.getLogger("zaadje.twilio")

OPTED_OUT = 21610
# The 'To' number cannot receive SMS at all.
NUMBER_UNUSABLE: dict[int, str] = {
    21211: "invalid number",
    21217: "number does not appear valid",
    21401: "invalid number",
    21407: "number type does not support SMS",
    21614: "not a mobile number",
}
# Delivery receipts (status callbacks) that say the same of the number. 30003 (handset
# unreachable: switched off, out of coverage) and 30007/30008 (filtered, unknown) are left to
# the ladder's own timers: the number may well work tomorrow.
UNDELIVERABLE: dict[int, str] = {
    30005: "unknown or inactive number",
    30006: "landline or unreachable carrier",
}
# Our own set-up is wrong: fix the configuration, the residents' messages wait.
CONFIGURATION: dict[int, str] = {
    20003: "authentication failed (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)",
    20404: "account or resource not found (TWILIO_ACCOUNT_SID)",
    21212: "invalid sender (TWILIO_FROM)",
    21408: "sending to this region is not enabled (geo permissions)",
    21606: "sender cannot send SMS (TWILIO_FROM)",
    21659: "sender is not a Twilio number (TWILIO_FROM)",
    21612: "this sender cannot reach this destination (TWILIO_FROM)",
    21602: "empty message body",
    21617: "message body too long",
}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


def classify_error(
    status: int, code: int | None, retry_after: float | None
) -> TemporaryFailure | PermanentFailure:
    """Map one failed hand-over (HTTP status + Twilio error code) to the channel port."""
    if code == OPTED_OUT:
        return PermanentFailure(f"twilio {code}: recipient unsubscribed", opted_out=True)
    if code in NUMBER_UNUSABLE:
        return PermanentFailure(f"twilio {code}: {NUMBER_UNUSABLE[code]}")
    if status == 429 or status >= 500:
        label = f"twilio {code}" if code else f"twilio http {status}"
        return TemporaryFailure(f"{label}: provider unavailable", retry_after=retry_after)
    if code in CONFIGURATION:
        reason = f"twilio {code}: {CONFIGURATION[code]}"
        log.error("Twilio refuses our requests, fix the configuration: %s", reason)
        return TemporaryFailure(reason, retry_after=retry_after)
    reason = f"twilio {code or 'http ' + str(status)}: unexpected refusal"
    log.error("Twilio refused a message with an unknown error (%s); it is retried", reason)
    return TemporaryFailure(reason, retry_after=retry_after)


def classify_receipt(code: int | None) -> PermanentFailure | None:
    """An undelivered/failed status callback: does it say the number is unusable?"""
    if code == OPTED_OUT:
        return PermanentFailure(f"twilio {code}: recipient unsubscribed", opted_out=True)
    if code in NUMBER_UNUSABLE:
        return PermanentFailure(f"twilio {code}: {NUMBER_UNUSABLE[code]}")
    if code in UNDELIVERABLE:
        return PermanentFailure(f"twilio {code}: {UNDELIVERABLE[code]}")
    return None


def receipt_of(status: str, error: str | None) -> Receipt:
    """A final status callback (MessageStatus + ErrorCode) in our words."""
    if status in ("delivered", "read"):
        return Receipt("delivered")
    code = _int(error)
    verdict = classify_receipt(code)
    ours = "undelivered" if status == "undelivered" else "failed"
    if verdict is None:
        return Receipt(ours, f"twilio {code or '-'}: {status}")
    return Receipt(ours, verdict.reason, permanent=True, opted_out=verdict.opted_out)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
