"""How many SMS parts a text takes: GSM-7 (3GPP TS 23.038) or UCS-2.

GSM-7: 160 septets in one part, 153 per part when split; the extension characters take 2
septets and an escape pair is never split. Any other character switches the whole text to
UCS-2: 70 units in one part, 67 per part; characters outside the BMP (emoji) take 2 units and
a surrogate pair is never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    characters: int  # characters as a person counts them
    units: int  # septets (GSM-7) or 16-bit units (UCS-2)
    segments: int

    @property
    def single_limit(self) -> int:
        return LIMITS[self.encoding][0]


_GSM7_ALL = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)


def is_gsm7(text: str) -> bool:
    # A set comparison runs in C: the dispatcher counts every message it sends.
    return set(text) <= _GSM7_ALL


def non_gsm7_characters(text: str) -> list[str]:
    """The characters that force UCS-2, in order of first appearance."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch, None)
    return list(seen)


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> SegmentCount:
    """Encoding, size and number of parts of `text` as one SMS (0 parts for an empty text)."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    single, per_part = LIMITS[encoding]
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments, used = 1, 0
        for size in sizes:  # an escape pair or surrogate pair never straddles two parts
            if used + size > per_part:
                segments, used = segments + 1, 0
            used += size
    return SegmentCount(encoding, len(text), units, segments)
