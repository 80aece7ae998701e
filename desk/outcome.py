"""Recording a caseworker's attempt: the DDAS codes the form offers and how they are checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.ddas import DAGDELEN, EINDRESULTATEN
from flows.outcomes import soort_error

YES_NO = {"ja": True, "nee": False}


class OutcomeError(ValueError):
    """The form's values do not make a valid attempt."""


@dataclass(frozen=True)
class Outcome:
    reached: bool
    daypart: str | None
    result: str | None
    note: str | None
    soort: str | None = None  # None: the task kind's own contactsoort


def allowed_results() -> list[str]:
    return sorted(EINDRESULTATEN)


def parse_outcome(form: Any, kind: str) -> Outcome:
    bereikt = str(form.get("bereikt") or "")
    if bereikt not in YES_NO:
        raise OutcomeError("say whether the resident was reached (bereikt: ja or nee)")
    soort = str(form.get("soort") or "") or None
    wrong = soort_error(kind, soort)
    if wrong is not None:
        raise OutcomeError(wrong)
    daypart = str(form.get("dagdeel") or "") or None
    if daypart is not None and daypart not in DAGDELEN:
        raise OutcomeError(f"unknown dagdeel {daypart!r}; one of: {', '.join(DAGDELEN)}")
    result = str(form.get("resultaat") or "") or None
    if result is not None and result not in EINDRESULTATEN:
        raise OutcomeError(f"unknown DDAS result {result!r}")
    note = str(form.get("note") or "").strip() or None
    if note is not None and len(note) > 2000:
        raise OutcomeError("the note is longer than 2,000 characters")
    return Outcome(YES_NO[bereikt], daypart, result, note, soort)
