"""A signal's patterns, why one is suppressed, and the look-back's month arithmetic (the
rules are in `signals.deciding`)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

ENKELVOUDIG = "enkelvoudig"
MEERVOUDIG = "meervoudig"
OPEENVOLGEND = "opeenvolgend"

SUPPRESSED_SMALL = "Bedrag onder de drempel"
SUPPRESSED_REPEAT = "Herhaalde melding zonder hoger bedrag"


# Called per signal, with a few hundred distinct dates per file.
@lru_cache(maxsize=4096)
def months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    # Clamp the day: 31 August minus 6 months is 28/29 February.
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
