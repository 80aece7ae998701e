"""A decided signal as a stored row, and a case's score from its signals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.ddas import NOG_NIET_OPGEPAKT
from signals.ordering import content_order
from signals.patterns import Decision, Known, decide
from signals.priority import CaseSignal, first_contact_deadline, score
from signals.settings import IntakeSettings
from signals.validate import ParsedSignal

SUPPORTED_LOCALES = ("nl", "en", "tr", "ar", "pl", "uk")

# The signals columns written at intake, in the order of the tuples `_signal_row` makes.
SIGNAL_COLUMNS = (
    "partner_type",
    "partner_signal_id",
    "partner_name",
    "amount_cents",
    "signal_date",
    "origin_date",
    "crisis",
    "warm_handover",
    "contract_end_date",
    "bsn",
    "initials",
    "prefix",
    "surname",
    "birth_date",
    "street",
    "huisnummer",
    "toevoeging",
    "postcode",
    "city",
    "phone",
    "email",
    "language",
    "gender",
    "household_id",
    "case_id",
    "pattern",
    "suppressed_reason",
    "status",
    "grew",
    "ingest_run_id",
    "source_line",
    "received_at",
)


Decided = tuple[ParsedSignal, int, Decision, Known]  # the signal, its household, the decision


def decide_in_order(
    fresh: list[ParsedSignal],
    household_of: dict[str, int],
    history: dict[int, list[Known]],
    settings: IntakeSettings,
) -> tuple[list[Decided], set[int]]:
    """Every signal decided against its household's history and the batch's earlier signals
    of that household, in `content_order` (never the file's). Returns the decisions and the
    stored signals they made meervoudig; `history` grows by the batch's signals."""
    decisions: list[Decided] = []
    retro: set[int] = set()
    lookback, minimum = settings.lookback_months, settings.minimum_cents
    for s in sorted(fresh, key=content_order):
        hh = household_of[s.address_key]
        partner = (s.partner_type, s.partner_name or "")
        known = history[hh]
        decision = decide(known, partner, s.signal_date, s.amount_cents, minimum, lookback)
        retro.update(decision.now_meervoudig)
        mine = Known(None, partner, s.signal_date, s.amount_cents, decision.pattern)
        known.append(mine)  # a later signal may still make it meervoudig
        decisions.append((s, hh, decision, mine))
    return decisions, retro


def count_decision(s: ParsedSignal, d: Decision, warned: set[int], counts: dict[str, Any]) -> None:
    if d.suppressed_reason:
        counts["suppressed"] += 1
    else:
        counts["accepted"] += 1
        if s.line in warned:
            counts["accepted_with_warning"] += 1


def signal_record(
    s: ParsedSignal,
    hh: int | None,
    d: Decision,
    mine: Known,
    case_id: int | None,
    run_id: int,
    now: datetime,
) -> tuple[Any, ...]:
    """One signal as a row of SIGNAL_COLUMNS (COPY or executemany), without its id."""
    return (
        s.partner_type,
        s.partner_signal_id,
        s.partner_name,
        s.amount_cents,
        s.signal_date,
        s.origin_date,
        s.crisis,
        s.warm_handover,
        s.contract_end_date,
        s.bsn,
        s.initials,
        s.prefix,
        s.surname,
        s.birth_date,
        s.street,
        s.huisnummer,
        s.toevoeging,
        s.postcode,
        s.city,
        s.phone,
        s.email,
        s.language,
        s.gender,
        hh,
        None if d.suppressed_reason else case_id,
        mine.pattern,
        d.suppressed_reason,
        NOG_NIET_OPGEPAKT,
        d.grew,
        run_id,
        s.line,
        now,
    )


def case_signal(s: ParsedSignal, d: Decision, mine: Known) -> CaseSignal:
    return CaseSignal(
        s.partner_type,
        s.partner_name or "",
        s.amount_cents,
        s.signal_date,
        s.crisis,
        s.warm_handover,
        s.contract_end_date,
        d.grew,
        mine.pattern,
    )


CASE_COLUMNS = (
    "id",
    "household_id",
    "state",
    "priority",
    "reasons",
    "locale",
    "deadline",
    "crisis",
    "opened_at",
    "version",
)


def score_case(
    signals: list[CaseSignal], opened: date, today: date, settings: IntakeSettings
) -> dict[str, Any]:
    calendar = settings.calendar
    result = score(signals, opened, today, settings.priority_rules, calendar)
    return {
        "priority": result.priority,
        "reasons": result.reasons,
        "deadline": first_contact_deadline(signals, opened, settings.deadline_rules, calendar),
        "crisis": any(s.crisis for s in signals),
    }
