"""What one `zaadje ingest` reports: counts, rejected rows and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from signals.batching import Batch


@dataclass
class Summary:
    received: int = 0
    accepted: int = 0
    accepted_with_warning: int = 0
    rejected: int = 0
    duplicates: int = 0
    suppressed: int = 0
    households: int = 0
    cases_opened: int = 0
    cases_updated: int = 0
    # Signals with only a BSN, waiting for a caseworker to complete their address.
    waiting_for_address: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, counts: dict[str, Any]) -> None:
        """A committed batch's counts (never those of a batch that was rolled back)."""
        self.accepted += counts["accepted"]
        self.accepted_with_warning += counts["accepted_with_warning"]
        self.duplicates += counts["duplicates"]
        self.suppressed += counts["suppressed"]
        self.cases_opened += counts["cases_opened"]
        self.cases_updated += counts["cases_updated"]
        self.waiting_for_address += counts.get("waiting_for_address", 0)
        self.households += counts["households"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "accepted_with_warning": self.accepted_with_warning,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "suppressed": self.suppressed,
            "households": self.households,
            "cases_opened": self.cases_opened,
            "cases_updated": self.cases_updated,
            "waiting_for_address": self.waiting_for_address,
            "errors": self.errors,
            "warnings": self.warnings,
        }


# Errors and warnings kept in the printed summary; all of them are stored in ingest_issues.
SUMMARY_ISSUE_LIMIT = 1000


def take_issues(summary: Summary, batch: Batch) -> None:
    """Rows read and rejected count as soon as they are read, as they always did."""
    summary.received += batch.received
    summary.rejected += batch.rejected
    for issue in batch.issues:
        kept = summary.errors if issue["severity"] == "error" else summary.warnings
        if len(kept) < SUMMARY_ISSUE_LIMIT:
            kept.append(
                {"line": issue["line"], "field": issue["field"], "message": issue["message"]}
            )


def new_counts() -> dict[str, Any]:
    return {
        "accepted": 0,
        "accepted_with_warning": 0,
        "duplicates": 0,
        "suppressed": 0,
        "cases_opened": 0,
        "cases_updated": 0,
        "households": 0,
    }
