"""SMS parts are counted as a phone network counts them."""

from __future__ import annotations

import pytest

from messages.segments import count_segments, non_gsm7_characters


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("é ä ö ü ñ Ä Ö Ü à è", "GSM-7", 19, 1),  # these Dutch/German letters stay GSM-7
        ("€" * 80, "GSM-7", 160, 1),  # extension characters take 2 septets
        ("€" + "a" * 159, "GSM-7", 161, 2),
        ("[]{}~^|\\", "GSM-7", 16, 1),
        ("a" * 69 + "ë", "UCS-2", 70, 1),  # financiële: one ë switches the whole text
        ("a" * 70 + "ë", "UCS-2", 71, 2),
        ("a" * 133 + "ë", "UCS-2", 134, 2),
        ("a" * 134 + "ë", "UCS-2", 135, 3),
        ("“quoted”", "UCS-2", 8, 1),  # curly quotes force UCS-2
        ("😀" * 35, "UCS-2", 70, 1),  # emoji take two units
        ("😀" * 36, "UCS-2", 72, 2),
        ("Привіт", "UCS-2", 6, 1),
        ("مرحبا", "UCS-2", 5, 1),
    ],
)
def test_count(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_an_escape_pair_is_never_split_across_parts() -> None:
    # 152 letters then €: the pair would straddle the 153-septet boundary, so it moves on.
    text = "a" * 152 + "€" + "a" * 152
    count = count_segments(text)
    assert count.units == 306
    assert count.segments == 3


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "ë" + "a" * 65 + "😀" + "a" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


def test_names_the_characters_that_force_ucs2() -> None:
    assert non_gsm7_characters("financiële “hulp” ë") == ["ë", "“", "”"]
