"""Link codes: the short code a resident gets by SMS and sends to the bot, so that the chat is
linked to their case without a link in the SMS.

- long enough not to be guessed: 10 characters from an alphabet without look-alikes (no 0/O,
  1/I/L), shown in two groups of five ("K7M4Q 2XP9A") so it is easy to copy. Six characters
  (31**6 ≈ 887 million) were guessable within weeks at the global cap below with ten thousand
  codes out; at 31**10 ≈ 8 * 10**14 the same attacker needs tens of thousands of years.
  Decision: a longer code rather than a confirmation by SMS, which would add a step (and a
  text in every language) for every resident who links a chat;
- single use, bound to one case, and valid for `CODE_TTL` only;
- stored as an HMAC keyed with the secret key: a copy of the database gives no working codes;
- guessing is rate-limited per chat: after `MAX_WRONG` wrong codes within `GUESS_WINDOW` no
  code is checked for that chat until the oldest of those guesses has left the window;
- and for all chats together: Telegram accounts cost nothing, so an attacker with a hundred
  chats would get a hundred times the guesses. After `GLOBAL_MAX_WRONG` wrong codes from chats
  that belong to no case within `GUESS_WINDOW`, no code is checked for anyone until the window
  has passed (logged as a warning). A resident trying then is asked to try later; their code
  is valid for days. Linked chats do not count towards it: their ten-letter words
  ("bedankt!!!", "tot morgen") reach `redeem` too, and must not lock strangers out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from store.models import Case, table_of
from store.telegram_models import TelegramGuess, TelegramLinkCode

log = logging.getLogger("zaadje.link_codes")

codes_t = table_of(TelegramLinkCode)
guesses_t = table_of(TelegramGuess)
cases_t = table_of(Case)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
GROUP = 5  # shown as two groups of five
CODE_TTL = timedelta(days=14)
MAX_WRONG = 5
GUESS_WINDOW = timedelta(hours=1)
# Residents mistyping a code are a few an hour even in a big town; an attack is thousands. At
# this cap an attacker gets 2,400 guesses a day against 31**10 ≈ 8 * 10**14 codes.
GLOBAL_MAX_WRONG = 100
# PostgreSQL advisory lock taken by every `redeem` (a transaction at a time). Without it a
# burst of one chat's guesses (Telegram sends up to 40 webhook requests at once) is counted in
# parallel, each seeing the count before the others: 13 checked instead of 5 in a test. Only
# code-shaped messages get here, so queueing them costs nothing. SQLite's BEGIN IMMEDIATE
# serialises them already.
REDEEM_LOCK = int.from_bytes(hashlib.sha256(b"zaadje:link_codes:redeem").digest()[:8], "big") >> 1

# What a resident may type around a code: spaces, dashes, a dot, quotes.
_NOISE = re.compile(r"[\s\-_.,:;'\"`]+")
_SHAPE = re.compile(rf"[A-Z0-9]{{{LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as the SMS shows it: "K7M4Q 2XP9A" (`as_code` reads it back either way)."""
    return " ".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(code: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), code.encode(), hashlib.sha256).hexdigest()


def as_code(text: str) -> str | None:
    """The code a message is meant to be ("k7m 4q2" → "K7M4Q2"), or None when it is not
    shaped like one (then it is ordinary text, not a guess)."""
    candidate = _NOISE.sub("", text).upper()
    return candidate if _SHAPE.fullmatch(candidate) else None


async def issue_code(
    conn: AsyncConnection, case_id: int, now: datetime, secret_key: str, ttl: timedelta = CODE_TTL
) -> str:
    """A fresh code for the case. Earlier unused codes of the case stop working: only the code
    in the newest SMS is valid, so an old SMS on a shared phone links nothing."""
    await conn.execute(
        delete(codes_t).where(codes_t.c.case_id == case_id, codes_t.c.used_at.is_(None))
    )
    while True:
        code = new_code()
        digest = code_hash(code, secret_key)
        taken = await conn.scalar(select(codes_t.c.id).where(codes_t.c.code_hash == digest))
        if taken is None:
            break
    await conn.execute(
        codes_t.insert(),
        {
            "code_hash": digest,
            "case_id": case_id,
            "created_at": now,
            "expires_at": now + ttl,
        },
    )
    return code


class Outcome(StrEnum):
    LINKED = "linked"
    UNKNOWN = "unknown"  # no such code, expired, or used by another chat
    TOO_MANY = "too_many"  # rate-limited: not checked at all


@dataclass(frozen=True)
class Redeemed:
    outcome: Outcome
    case_id: int | None = None


async def too_many_guesses(conn: AsyncConnection, chat_id: str, now: datetime) -> bool:
    wrong = await conn.scalar(
        select(func.count())
        .select_from(guesses_t)
        .where(guesses_t.c.chat_id == chat_id, guesses_t.c.at > now - GUESS_WINDOW)
    )
    return int(wrong or 0) >= MAX_WRONG


async def strangers_wrong_guesses(conn: AsyncConnection, now: datetime) -> int:
    """Wrong codes within the window from all chats that are linked to no case."""
    linked = select(cases_t.c.telegram_chat_id).where(cases_t.c.telegram_chat_id.is_not(None))
    wrong = await conn.scalar(
        select(func.count())
        .select_from(guesses_t)
        .where(guesses_t.c.at > now - GUESS_WINDOW, guesses_t.c.chat_id.not_in(linked))
    )
    return int(wrong or 0)


async def redeem(
    conn: AsyncConnection, chat_id: str, code: str, now: datetime, secret_key: str
) -> Redeemed:
    """Check a code sent by a chat (in the caller's transaction). A right code is used up and
    names the case; a wrong one is counted against the chat (and against all strangers)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_advisory_xact_lock(REDEEM_LOCK)))
    # Guesses that left the window count for nothing any more: forget them, every chat's
    # (an attacker's chats never come back to clear their own).
    await conn.execute(delete(guesses_t).where(guesses_t.c.at <= now - GUESS_WINDOW))
    if await too_many_guesses(conn, chat_id, now):
        return Redeemed(Outcome.TOO_MANY)
    everyone = await strangers_wrong_guesses(conn, now)
    if everyone >= GLOBAL_MAX_WRONG:
        return Redeemed(Outcome.TOO_MANY)
    row = (
        await conn.execute(
            select(codes_t)
            .where(codes_t.c.code_hash == code_hash(code, secret_key))
            .with_for_update()
        )
    ).first()
    if row is not None and row.used_at is not None and row.used_by_chat == chat_id:
        # The same chat sending its code again (or the update handled twice): still linked.
        return Redeemed(Outcome.LINKED, row.case_id)
    if row is None or row.used_at is not None or row.expires_at <= now:
        await conn.execute(guesses_t.insert(), {"chat_id": chat_id, "at": now})
        if everyone + 1 == GLOBAL_MAX_WRONG:
            log.warning(
                "%d wrong link codes within %s from chats without a case: no code is checked "
                "until the window has passed (someone may be guessing with many chats)",
                GLOBAL_MAX_WRONG,
                GUESS_WINDOW,
            )
        return Redeemed(Outcome.UNKNOWN)
    await conn.execute(
        update(codes_t).where(codes_t.c.id == row.id).values(used_at=now, used_by_chat=chat_id)
    )
    return Redeemed(Outcome.LINKED, row.case_id)
