"""Log lines as JSON, one per event, with residents' data masked out.

Every record that reaches Zaadje's handler — ours and the libraries' — passes `MaskFilter`:
phone numbers, e-mail addresses and long digit runs (BSNs, Telegram chat ids, numbers a
phone matcher did not recognise) are masked in the message, its arguments, the exception
text and every extra string field. Fields named like a message body are dropped whole: a
body can carry anything, so it is never logged, masked or not.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import phonenumbers

# A resident's message text under any of these names is removed, never masked.
BODY_FIELDS = frozenset({"text", "body", "Body", "message_text", "reply"})

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.([A-Za-z]{2,})")
# An international number the matcher does not call valid (fictional ranges, typos).
PLUS_NUMBER = re.compile(r"\+\d(?:[ \-]?\d){7,}")
# BSNs (9 digits), Telegram chat ids, bare numbers: any run of 7 digits or more.
MIN_DIGITS = 7  # no phone number, BSN or chat id worth masking has fewer digits
DIGIT_RUN = re.compile(rf"(?<!\d)\d{{{MIN_DIGITS},}}(?!\d)")

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


def mask_phone(raw: str) -> str:
    """`+31612345678` → `+316******78`; `06 12345678` → `06******78`: enough to tell a
    mobile from a landline and to match a complaint, not enough to call anyone."""
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+"):
        keep, prefix = 3, "+"
    else:
        keep, prefix = 2, ""
    if len(digits) <= keep + 2:
        return prefix + "*" * len(digits)
    return prefix + digits[:keep] + "*" * (len(digits) - keep - 2) + digits[-2:]


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(0)[0]}***@***.{match.group(1)}"


def _mask_phones(text: str) -> str:
    # phonenumbers' matcher knows separators, and leaves dates and timestamps alone.
    pieces: list[str] = []
    last = 0
    for found in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID):
        pieces.append(text[last : found.start])
        pieces.append(mask_phone(found.raw_string))
        last = found.end
    pieces.append(text[last:])
    return "".join(pieces)


def mask(text: str) -> str:
    """The text with every phone number, e-mail address and long digit run masked."""
    if "@" in text:
        text = EMAIL.sub(_mask_email, text)
    if sum(c.isdigit() for c in text) < MIN_DIGITS:
        return text  # the common case (paths, counts, ids), kept cheap
    text = _mask_phones(text)
    text = PLUS_NUMBER.sub(lambda m: mask_phone(m.group(0)), text)
    return DIGIT_RUN.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], text)


def _masked_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _masked_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked_value(v) for v in value]
    return value


class MaskFilter(logging.Filter):
    """Rewrites a record in place so that no handler after it sees residents' data."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
            record.exc_info = None  # formatted and masked once; never rendered raw again
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        for name in list(vars(record)):
            if name in _STANDARD:
                continue
            if name in BODY_FIELDS:
                setattr(record, name, "[removed]")
            else:
                setattr(record, name, _masked_value(getattr(record, name)))
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "event", …fields, "exc"}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)
