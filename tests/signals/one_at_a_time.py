"""The intake's decision rules one signal at a time, as `signals.patterns.decide` made them
before the intake decided as sets (`signals.deciding`): the oracle that
`tests/signals/test_deciding.py` checks the set-wise rules against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from signals.patterns import (
    ENKELVOUDIG,
    MEERVOUDIG,
    OPEENVOLGEND,
    SUPPRESSED_REPEAT,
    SUPPRESSED_SMALL,
    months_back,
)


@dataclass(slots=True)
class Known:
    """A signal of the household already decided (stored, or earlier in this batch)."""

    ref: int | None  # database id when stored; None for batch signals
    partner: tuple[str, str]  # (type, name): "the same partner"
    signal_date: date
    amount_cents: int
    pattern: str


@dataclass(slots=True)
class Decision:
    pattern: str
    suppressed_reason: str | None
    grew: bool
    # Stored signals that become meervoudig because of this one.
    now_meervoudig: list[int] = field(default_factory=list)


def decide(
    known: list[Known],
    partner: tuple[str, str],
    signal_date: date,
    amount_cents: int,
    minimum_cents: int,
    lookback_months: int,
) -> Decision:
    month = (signal_date.year, signal_date.month)
    window_start = months_back(signal_date, lookback_months)
    month_start = signal_date.replace(day=1)
    same_month_others = [
        k
        for k in known
        if (k.signal_date.year, k.signal_date.month) == month and k.partner != partner
    ]
    earlier = [k for k in known if window_start <= k.signal_date < month_start]
    if same_month_others:
        pattern = MEERVOUDIG
    elif earlier:
        pattern = OPEENVOLGEND
    else:
        pattern = ENKELVOUDIG

    previous_same = [
        k for k in known if k.partner == partner and window_start <= k.signal_date <= signal_date
    ]
    grew = False
    suppressed: str | None = None
    if previous_same:
        last = max(previous_same, key=lambda k: k.signal_date)
        if amount_cents <= last.amount_cents:
            suppressed = SUPPRESSED_REPEAT
        else:
            grew = True
    if amount_cents < minimum_cents:
        suppressed = SUPPRESSED_SMALL
    retro = [k.ref for k in same_month_others if k.ref is not None and k.pattern != MEERVOUDIG]
    for k in same_month_others:
        k.pattern = MEERVOUDIG
    return Decision(pattern, suppressed, grew, retro)
