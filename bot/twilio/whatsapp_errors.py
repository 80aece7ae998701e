"""What Twilio's WhatsApp error codes mean for the message and the resident.

Each code is mapped deliberately (Twilio's error dictionary; WhatsApp's own codes behind them
in Twilio's mapping table). None of them is the resident's doing, so none is a failed contact
attempt: the message goes by SMS instead, at once (`reroute`), and
- `case`: the number cannot get WhatsApp at all: the case keeps SMS for its later steps;
- `message`: only this message cannot go by WhatsApp (the window closed, a template problem,
  WhatsApp declined it); the next one tries WhatsApp again;
- our WhatsApp sender is unusable: every message goes by SMS until an operator fixes it, and
  the code is logged loudly (`message` per message: the resident's case is not marked).
A rate limit (63018) is retried like any outage. The block (21610) and every other code are
read as for SMS (`bot.twilio.errors`): a block is an opt-out of every channel.
"""

from __future__ import annotations

import logging

from bot.twilio.errors import classify_error, receipt_of
from casework.channels import PermanentFailure, Receipt, Reroute, TemporaryFailure

log = logging.getLogger("zaadje.twilio")

NOT_ON_WHATSAPP: dict[int, str] = {
    63003: "the number is not on WhatsApp",  # WhatsApp 1006/1013/1021: not a WhatsApp user
    63024: "not a valid WhatsApp recipient",  # WhatsApp 1002/1026
    63032: "WhatsApp does not deliver to this user",  # WhatsApp 472: user in an experiment
}
THIS_MESSAGE: dict[int, str] = {
    63016: "outside the 24-hour window and no approved template",  # WhatsApp 470
    63049: "WhatsApp chose not to deliver this template message",
    63027: "no approved template in this language",  # WhatsApp 2001/2003
    63028: "the template's variables do not match",  # WhatsApp 2000
    63021: "WhatsApp refused the content (over 1,024 characters?)",
    63005: "WhatsApp did not accept the content",  # WhatsApp 1000
}
SENDER_DOWN: dict[int, str] = {
    63112: "the WhatsApp Business Account was disabled by Meta",
    63007: "no WhatsApp sender with this From ([whatsapp] from)",
    63013: "the WhatsApp sender was disabled for a policy violation",
}
RATE_LIMITED = 63018


def reroute_of(code: int | None) -> tuple[Reroute, str] | None:
    if code in NOT_ON_WHATSAPP:
        return "case", f"whatsapp {code}: {NOT_ON_WHATSAPP[code]}"
    if code in THIS_MESSAGE:
        return "message", f"whatsapp {code}: {THIS_MESSAGE[code]}"
    if code in SENDER_DOWN:
        log.error("WhatsApp cannot send, messages go by SMS: %s %s", code, SENDER_DOWN[code])
        return "message", f"whatsapp {code}: {SENDER_DOWN[code]}"
    return None


def classify_whatsapp_error(
    status: int, code: int | None, retry_after: float | None
) -> TemporaryFailure | PermanentFailure:
    """One refused WhatsApp hand-over, in the port's words."""
    if code == RATE_LIMITED:
        return TemporaryFailure(f"whatsapp {code}: rate limited", retry_after=retry_after)
    found = reroute_of(code)
    if found is not None:
        return PermanentFailure(found[1], reroute=found[0])
    return classify_error(status, code, retry_after)


def whatsapp_receipt(status: str, error: str | None) -> Receipt:
    """A final WhatsApp status callback (delivered, read, failed, undelivered) in our words."""
    if status in ("failed", "undelivered") and error and error.isdigit():
        code = int(error)
        if code == RATE_LIMITED:
            return Receipt(status, f"whatsapp {code}: rate limited", reroute="message")
        found = reroute_of(code)
        if found is not None:
            return Receipt(status, found[1], reroute=found[0])
    return receipt_of(status, error)
