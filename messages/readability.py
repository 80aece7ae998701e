"""Dutch readability: Flesch-Douma and sentence length, with a small syllable counter.

Flesch-Douma = 206.835 - 0.93 x (words per sentence) - 77 x (syllables per word).
A sentence ends at . ! or ? followed by a space, or at a line break (menu lines count as
sentences). A syllable is a group of vowels, where "ij" is one vowel and a vowel with a
diaeresis (financiële, geïnteresseerd) starts a new syllable. Numbers count as one syllable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_VOWEL_GROUP = re.compile(r"[äëïöü]|[aeiouyáàâéèêíìîóòôúùû]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """Sentences that contain at least one word."""
    return [s.strip() for s in _SENTENCE_END.split(text) if words(s)]


def syllables(word: str) -> int:
    groups = _VOWEL_GROUP.findall(word.lower().replace("ij", "y"))
    return max(1, len(groups))


@dataclass(frozen=True)
class Readability:
    flesch_douma: float
    sentences: int
    words: int
    syllables: int
    longest_sentence: str
    longest_sentence_words: int


def readability(text: str) -> Readability:
    parts = sentences(text)
    counts = [len(words(s)) for s in parts]
    all_words = words(text)
    n_words = max(1, len(all_words))
    n_sentences = max(1, len(parts))
    n_syllables = sum(syllables(w) for w in all_words)
    score = 206.835 - 0.93 * (n_words / n_sentences) - 77 * (n_syllables / n_words)
    longest = max(range(len(parts)), key=counts.__getitem__) if parts else None
    return Readability(
        flesch_douma=round(score, 1),
        sentences=len(parts),
        words=len(all_words),
        syllables=n_syllables,
        longest_sentence=parts[longest] if longest is not None else "",
        longest_sentence_words=counts[longest] if longest is not None else 0,
    )
