"""Retention periods per outcome, read from the municipality's `[retention]` settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from flows.ddas import V12_OF, VERVOLGHULP, VERWIJZING_ZONDER_INWONER
from flows.timing import add_months

# DDAS results where the municipality actually helped (advice, follow-up help, a referral);
# every other result closes a case "without help" and is kept for the shorter period.
SPLIT_VERVOLGHULP: Final = (
    "Vervolghulp en/of verwijzing financieel",
    "Vervolghulp en/of verwijzing niet financieel",
)
HELP_RESULTS: Final = (
    "(Budget)advies en/of quick fix",
    VERVOLGHULP,
    *SPLIT_VERVOLGHULP,
    VERWIJZING_ZONDER_INWONER,
)


def v12_help_results(results: list[str]) -> tuple[str, ...]:
    """A municipality's `help_results` in DDAS v1.2 words: a v0.9 name counts as its v1.2
    name, and "Vervolghulp en/of verwijzing" (v1.2's result without the financial split) is
    help wherever one of its split variants is."""
    out = list(dict.fromkeys(V12_OF.get(r, r) for r in results))
    if VERVOLGHULP not in out and any(r in out for r in SPLIT_VERVOLGHULP):
        out.append(VERVOLGHULP)
    return tuple(out)


class RetentionError(ValueError):
    """A `[retention]` setting that cannot be used; the message names the key."""


@dataclass(frozen=True)
class RetentionPolicy:
    suppressed_signal_months: int = 6  # signals that opened no case
    without_help_months: int = 6  # cases closed with a result not in help_results
    closed_case_months: int = 18  # every other closed case
    raw_input_months: int = 6  # rejected rows, raw provider updates, messages of no case
    help_results: tuple[str, ...] = HELP_RESULTS

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> RetentionPolicy:
        known = {
            "suppressed_signal_months",
            "without_help_months",
            "closed_case_months",
            "raw_input_months",
            "help_results",
        }
        for key in raw:
            if key not in known:
                raise RetentionError(
                    f"retention.{key}: unknown key (expected one of {sorted(known)})"
                )
        values: dict[str, Any] = {}
        for key in known - {"help_results"}:
            if key in raw:
                value = raw[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise RetentionError(
                        f"retention.{key}: must be a whole number >= 1, got {value!r}"
                    )
                values[key] = value
        if "help_results" in raw:
            results = raw["help_results"]
            if not isinstance(results, list) or not all(isinstance(r, str) for r in results):
                raise RetentionError("retention.help_results: must be a list of DDAS results")
            values["help_results"] = v12_help_results(results)
        return cls(**values)

    def cutoff(self, now: datetime, months: int) -> datetime:
        """The moment before which something `months` old is due."""
        return add_months(now, -months)
