"""What one `zaadje ingest` reports: counts, rejected rows and warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
        """A committed batch's counts."""
        for name, n in counts.items():
            setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Errors and warnings kept in the printed summary; all of them are stored in ingest_issues.
SUMMARY_ISSUE_LIMIT = 1000


def take_issues(summary: Summary, batch: Batch) -> None:
    """Rows read and rejected count as soon as they are read."""
    summary.received += batch.received
    summary.rejected += batch.rejected
    for issue in batch.issues:
        kept = summary.errors if issue["severity"] == "error" else summary.warnings
        if len(kept) < SUMMARY_ISSUE_LIMIT:
            kept.append(
                {"line": issue["line"], "field": issue["field"], "message": issue["message"]}
            )
