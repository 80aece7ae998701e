"""Feedback to signal partners: per signal only whether the municipality took it up.

A partner may hear that its signal was "opgepakt" or "niet opgepakt" — never anything about
the resident (no name, address, amount, contact, result or reason). What counts as opgepakt:
the signal belongs to a case that had a contact attempt from that signal's period on, or that
was closed with a result that takes it up without one (e.g. "Verwijzing zonder tussenkomst
inwoner"); everything else — suppressed, not yet reached out to, or closed as "niet
opgepakt" — is "niet opgepakt" on the day the feedback is made.

One CSV per partner, a partner being its type plus its name (two housing corporations are two
partners). Columns: signaalpartner, signaalpartner_naam, id (the partner's own signal id),
signaaldatum, status.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from monitor.cohort import Cohort, SignalFact
from store.personal import PSEUDONYM_PREFIX

OPGEPAKT = "opgepakt"
NIET_OPGEPAKT = "niet opgepakt"
COLUMNS = ("signaalpartner", "signaalpartner_naam", "id", "signaaldatum", "status")


@dataclass(frozen=True)
class Partner:
    type: str
    name: str  # "" when the partner sent no name

    @property
    def label(self) -> str:
        return f"{self.type} ({self.name})" if self.name else self.type

    @property
    def file_stem(self) -> str:
        """A safe file name: letters, digits and dashes only."""
        text = f"{self.type}-{self.name}" if self.name else self.type
        return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "partner"


@dataclass(frozen=True)
class FeedbackRow:
    partner: Partner
    signal_id: str
    signal_date: str
    status: str

    def as_csv_row(self) -> tuple[str, ...]:
        return (self.partner.type, self.partner.name, self.signal_id, self.signal_date, self.status)


def status_of(cohort: Cohort, signal: SignalFact) -> str:
    case = cohort.case_of(signal)
    return OPGEPAKT if case is not None and case.taken_up_on is not None else NIET_OPGEPAKT


def feedback_rows(cohort: Cohort) -> dict[Partner, list[FeedbackRow]]:
    """The period's signals per partner, in the order they were received."""
    out: dict[Partner, list[FeedbackRow]] = {}
    for signal in cohort.signals:
        if signal.partner_signal_id.startswith(PSEUDONYM_PREFIX):
            # Erased: the partner's own id is gone, and a pseudonym would only tell the
            # partner which of its signals a resident had erased.
            continue
        partner = Partner(signal.partner_type, signal.partner_name or "")
        out.setdefault(partner, []).append(
            FeedbackRow(
                partner,
                signal.partner_signal_id,
                signal.signal_date.isoformat(),
                status_of(cohort, signal),
            )
        )
    return dict(sorted(out.items(), key=lambda kv: (kv[0].type, kv[0].name)))


def to_csv(rows: list[FeedbackRow]) -> str:
    """Comma-separated UTF-8 with a header row, as partners' systems read it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row.as_csv_row() for row in rows)
    return buffer.getvalue()


def file_names(partners: list[Partner]) -> dict[Partner, str]:
    """A distinct file stem per partner, even when two names reduce to the same stem."""
    seen: dict[str, int] = {}
    names = {}
    for partner in partners:
        stem = partner.file_stem
        seen[stem] = seen.get(stem, 0) + 1
        names[partner] = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
    return names
