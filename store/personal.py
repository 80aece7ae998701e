"""Where residents' personal data lives, and how each piece of it is erased.

Every column of every table in `store.schema.metadata` is classified here; a test fails when
one is not, so a new table cannot slip past retention and data-subject requests. Erasing keeps
an anonymous skeleton (ids, dates, partner type, pattern, status, amounts, results, contact
attempts) so that the monitor's figures for past periods do not change.

How a row is found for a resident is part of the classification too: by its case
(`case_column`), by the resident's phone number or chat id (`address_columns`), or by a scan
of free JSON/text for the resident's identifying values (`scan_columns`). Rows that belong to
no case are erased by age (`aged_by`) during the purge.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import MetaData


class Erase(StrEnum):
    KEEP = "keep"  # not personal data of a resident
    STAFF = "staff"  # personal data of the municipality's own staff: kept for accountability
    NULL = "null"  # set to NULL
    BLANK = "blank"  # "" for text, {} for JSON (columns that may not be NULL)
    PSEUDONYM = "pseudonym"  # "erased:<row id>": unique columns must stay unique
    HASH = "hash"  # a one-way hash that still recognises the value (opt-outs)


@dataclass(frozen=True)
class TableRule:
    columns: Mapping[str, Erase]
    why: str
    case_column: str | None = None
    address_columns: tuple[str, ...] = ()
    scan_columns: tuple[str, ...] = ()
    aged_by: str | None = None  # rows without a case are erased this long after this moment
    delete_rows: bool = False  # nothing in the row is needed for the figures: drop it

    @property
    def personal(self) -> dict[str, Erase]:
        return {
            name: how for name, how in self.columns.items() if how not in (Erase.KEEP, Erase.STAFF)
        }


K, S, N, B, P, H = Erase.KEEP, Erase.STAFF, Erase.NULL, Erase.BLANK, Erase.PSEUDONYM, Erase.HASH


def _keep(*names: str) -> dict[str, Erase]:
    return dict.fromkeys(names, K)


REGISTRY: Final[dict[str, TableRule]] = {
    # -- intake ---------------------------------------------------------------------------
    "households": TableRule(
        {
            **_keep("id", "created_at"),
            "address_key": P,
            "postcode": B,
            "huisnummer": B,
            "toevoeging": B,
        },
        "the address; scrubbed once none of its signals keeps personal data",
    ),
    "signals": TableRule(
        {
            **_keep(
                "id",
                "partner_type",
                "partner_name",
                "amount_cents",
                "signal_date",
                "origin_date",
                "crisis",
                "warm_handover",
                "contract_end_date",
                "language",
                "household_id",
                "case_id",
                "pattern",
                "suppressed_reason",
                "status",
                "grew",
                "ingest_run_id",
                "source_line",
                "received_at",
                "erased_at",
            ),
            # The partner's id points back to the person in the partner's records.
            "partner_signal_id": P,
            "bsn": N,
            "initials": N,
            "prefix": N,
            "surname": B,
            "birth_date": N,
            "street": N,
            "huisnummer": B,
            "toevoeging": B,
            "postcode": B,
            "city": N,
            "phone": N,
            "email": N,
            "gender": N,
        },
        "the partner's report: amounts, dates and pattern stay for the monitor",
        case_column="case_id",
    ),
    "ingest_runs": TableRule(
        _keep("id", "source_name", "started_at", "finished_at", "summary"),
        "counts per file",
    ),
    "ingest_issues": TableRule(
        {**_keep("id", "ingest_run_id", "severity", "line", "field"), "message": B, "raw": N},
        "a rejected row's raw values and the message quoting them",
        scan_columns=("raw", "message"),
        aged_by="ingest_runs.started_at",
    ),
    # -- cases and outreach ---------------------------------------------------------------
    "cases": TableRule(
        {
            **_keep(
                "id",
                "household_id",
                "state",
                "priority",
                "reasons",
                "locale",
                "deadline",
                "crisis",
                "opened_at",
                "closed_at",
                "result",
                "version",
                "stage",
                "flow_state",
                "planned_at",
                "timer_due",
                "timer_name",
                "timer_version",
                "signal_news",
                "sms_only",
                "erased_at",
            ),
            "contact_phone": N,
            "telegram_chat_id": N,
        },
        "the case skeleton (dates, priority, result) is what the monitor counts",
        case_column="id",
    ),
    "outbox": TableRule(
        {
            **_keep(
                "id",
                "case_id",
                "channel",
                "locale",
                "message_key",
                "confirms_opt_out",
                "status",
                "not_before",
                "attempts",
                "lease_until",
                "claimed_by",
                "sent_locale",
                "segments",
                "created_at",
                "sent_at",
                "delivered_at",
                "provider_status",
                "provider_error",
                "provider_status_at",
            ),
            # Replies to unknown senders are keyed by their address (bot/inbound.py).
            "idempotency_key": P,
            "to_address": B,
            "values": B,
            "text": N,
            "last_error": N,
            # The provider's id finds the message body in the provider's own logs.
            "provider_id": N,
        },
        "what was sent: key, channel and dates stay; address and text go",
        case_column="case_id",
        address_columns=("to_address",),
        aged_by="created_at",
    ),
    "inbound": TableRule(
        {
            **_keep("id", "channel", "received_at", "case_id", "intent", "handled_at"),
            "provider_id": P,
            "sender": B,
            "text": B,
        },
        "what residents wrote: the intent and the moment stay",
        case_column="case_id",
        address_columns=("sender",),
        aged_by="received_at",
    ),
    "simulated_messages": TableRule(
        {
            **_keep("id", "channel", "handovers", "sent_at"),
            "idempotency_key": P,
            "to_address": B,
            "text": B,
        },
        "the simulated channel's record of hand-overs",
        address_columns=("to_address",),
        aged_by="sent_at",
    ),
    "tasks": TableRule(
        {
            **_keep(
                "id",
                "ref",
                "case_id",
                "kind",
                "reason",
                "status",
                "priority",
                "due",
                "not_before",
                "daypart",
                "claimed_at",
                "completed_at",
                "created_at",
            ),
            "claimed_by": S,
            # Free text a caseworker typed about the resident; the outcome repeats the note.
            "note": N,
            "outcome": N,
        },
        "caseworkers' tasks: kind, dates and status stay",
        case_column="case_id",
    ),
    "contact_attempts": TableRule(
        _keep("id", "ref", "case_id", "soort", "bereikt", "datum", "dagdeel"),
        "DDAS contact attempts: no personal data, the core of the monitor",
    ),
    "opt_outs": TableRule(
        {**_keep("channel", "source", "created_at"), "address": H},
        "the opt-out protects the resident, so it stays, with the address only as a hash",
        address_columns=("address",),
    ),
    "scheduler_state": TableRule(_keep("name", "value"), "the passes' bookkeeping"),
    # -- telegram -------------------------------------------------------------------------
    "telegram_link_codes": TableRule(
        {
            **_keep("id", "code_hash", "case_id", "created_at", "expires_at", "used_at"),
            "used_by_chat": N,
        },
        "single-use link codes, only as HMACs",
        case_column="case_id",
        address_columns=("used_by_chat",),
    ),
    "telegram_guesses": TableRule(
        {**_keep("id", "at"), "chat_id": B},
        "wrong codes, for rate limiting only",
        address_columns=("chat_id",),
        aged_by="at",
        delete_rows=True,
    ),
    "telegram_updates": TableRule(
        {
            **_keep("id", "update_id", "received_at", "handled_at", "attempts", "claimed_until"),
            "payload": B,
            "last_error": N,
        },
        "raw Bot API updates: names, chat ids and texts in the payload",
        scan_columns=("payload",),
        aged_by="received_at",
    ),
    "telegram_sent": TableRule(
        {**_keep("idempotency_key", "message_id", "sent_at"), "chat_id": B},
        "what Telegram accepted, to never send twice after a crash",
        address_columns=("chat_id",),
        aged_by="sent_at",
        delete_rows=True,
    ),
    # -- desk -----------------------------------------------------------------------------
    "desk_users": TableRule(
        {
            **_keep("id", "role", "password_hash", "locale", "active", "created_at"),
            "name": S,
            "oidc_issuer": K,  # the provider's address, the same for every account
            "oidc_subject": S,  # the provider's identifier of the staff member
        },
        "staff accounts",
    ),
    "desk_sessions": TableRule(
        _keep(
            "id", "token_hash", "user_id", "csrf_token", "created_at", "last_seen_at", "expires_at"
        ),
        "staff sessions, only token hashes",
    ),
    "desk_login_attempts": TableRule(
        {**_keep("id", "succeeded", "at"), "name": S, "address": S},
        "staff logins, for rate limiting",
    ),
    "desk_audit": TableRule(
        {
            **_keep("id", "at", "user_id", "action", "case_id", "task_id"),
            "user_name": S,
            "detail": N,
        },
        "who did what to which case; the detail may quote the resident",
        case_column="case_id",
    ),
    # -- communicators' text changes (store/text_models.py) --------------------------------
    "text_changes": TableRule(
        {
            **_keep(
                "id",
                "key",
                "locale",
                "before",
                "after",
                "status",
                "open_slot",
                "revision",
                "author_id",
                "created_at",
                "updated_at",
                "reviewer_id",
                "reviewed_at",
                "published_at",
                "note",
            ),
            "author_name": S,
            "reviewer_name": S,
        },
        "message texts for everyone, never about one resident",
    ),
    # -- experiments and retention (store/experiment_models.py, erasure_models.py) -----------
    "experiment_assignments": TableRule(
        _keep("case_id", "experiment", "variant", "assigned_at"), "variant per case"
    ),
    "experiment_stops": TableRule(
        {**_keep("experiment", "variant", "stopped_at"), "stopped_by": S}, "stopped variants"
    ),
    # -- letters by post (store/letter_models.py) -------------------------------------------
    # A batch's PDF holds the names and addresses of every resident in it: kept only until the
    # batch is posted or cancelled (then set to NULL), and nulled by an erasure of any of them.
    "letter_batches": TableRule(
        {
            **_keep("id", "day", "made_at", "status", "letters", "pages", "posted_at"),
            "cancelled_at": K,
            "made_by": S,
            "pdf": N,
        },
        "print batches: counts and dates; the PDF only while the batch is open",
        aged_by="made_at",
    ),
    "letter_batch_items": TableRule(
        _keep("batch_id", "outbox_id", "position"), "which letters a batch holds"
    ),
    # -- WhatsApp templates as last read from Twilio (store/whatsapp_models.py) -------------
    "whatsapp_templates": TableRule(
        _keep(
            "message_key",
            "locale",
            "content_sid",
            "status",
            "body",
            "rejection_reason",
            "checked_at",
        ),
        "message texts for everyone, never about one resident",
    ),
    "erasures": TableRule(
        _keep("id", "at", "kind", "reason", "case_ids", "signals", "counts") | {"requested_by": S},
        "the erasure log: case ids and counts, never the erased values",
    ),
}


def unclassified(metadata: MetaData) -> list[str]:
    """`table` or `table.column` for everything in the metadata the registry does not cover."""
    missing: list[str] = []
    for table in metadata.sorted_tables:
        rule = REGISTRY.get(table.name)
        if rule is None:
            missing.append(table.name)
            continue
        missing.extend(
            f"{table.name}.{c.name}" for c in table.columns if c.name not in rule.columns
        )
    return missing


def stale(metadata: MetaData) -> list[str]:
    """Registry entries for tables or columns that no longer exist (a rename went unnoticed)."""
    out: list[str] = []
    for name, rule in REGISTRY.items():
        table = metadata.tables.get(name)
        if table is None:
            out.append(name)
            continue
        out.extend(f"{name}.{c}" for c in rule.columns if c not in table.columns)
    return out


# Decision: a plain SHA-256 with a fixed prefix, not keyed with the secret key. A hash that
# still recognises a phone number is a pseudonym whatever the key (the number space is small);
# unkeyed, every process (intake, casework, inbound) can check it without the secret.
# Base64 keeps it within the 60 characters of `opt_outs.address`.
HASH_PREFIX: Final = "h:"


# What a unique column holds once erased ("erased:<row id>"): unique, and says nothing.
PSEUDONYM_PREFIX = "erased:"


def hashed_address(address: str) -> str:
    """The form an opt-out's address takes once the resident's data is erased."""
    if address.startswith(HASH_PREFIX):
        return address
    digest = hashlib.sha256(f"zaadje-opt-out:{address}".encode()).digest()
    return HASH_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")
