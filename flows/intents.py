"""What a resident meant by a reply, in any of the six catalogue languages.

The word lists live in `intents.toml` (data, so a communicator can add a word without touching
code). Matching works on a normalised form of the text — case-folded, accents and Arabic
vowel marks removed, punctuation as spaces, every script's digits as 0-9 — and on whole words,
so "STOP!!", " stop. " and "Stop" are the same and "stoppen" never matches inside a longer word.

When in doubt the parser answers `unknown`: the engine then hands the text to a person, which is
always better than guessing that a resident wants their case closed.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

LOCALES: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl", "uk")

# Expectation contexts the engine passes in (see replies.expecting).
EXPECT_MENU = "menu"
EXPECT_DAYPART = "daypart"

# Short messages only: a digit or keyword inside a long story is not a menu choice.
_MAX_MENU_WORDS = 5
_MAX_STOP_WORDS = 4
_MAX_START_WORDS = 3
_MAX_LANGUAGE_WORDS = 4
_MAX_YES_NO_WORDS = 3

Phrase = tuple[str, ...]


class IntentKind(StrEnum):
    MENU_CALL = "menu_call"
    MENU_NO_THANKS = "menu_no_thanks"
    MENU_ARRANGED = "menu_arranged"
    DAYPART = "daypart"
    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    HELP = "help"
    LANGUAGE = "language"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Intent:
    """kind; value: a DDAS daypart ("Ochtend") or a locale ("en"); language: detected locale."""

    kind: IntentKind
    value: str | None = None
    language: str | None = None


# -- normalising --------------------------------------------------------------------------
# Arabic letters that residents type interchangeably (hamza forms are stripped as marks).
_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "\u0640": None})


def normalize(text: str) -> str:
    """The comparable form of a text: lower case, no accents/marks, single spaces."""
    chars: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(ch)
        if category == "Mn":  # accents, Arabic harakat, the dot of Turkish İ
            continue
        if category == "Nd":  # Arabic-Indic and other digits -> 0-9
            chars.append(str(unicodedata.decimal(ch)))
            continue
        chars.append(ch)
    folded = "".join(chars).casefold().translate(_ARABIC_FOLD)
    spaced: list[str] = []
    previous = ""
    for ch in folded:
        if not ch.isalnum():
            ch = " "
        # "optie1" / "1ochtend": a digit glued to a word is still a separate word.
        elif previous and previous != " " and previous.isdigit() != ch.isdigit():
            spaced.append(" ")
        spaced.append(ch)
        previous = ch
    return " ".join("".join(spaced).split())


def tokens(text: str) -> Phrase:
    return tuple(normalize(text).split())


def _find(words: Phrase, phrase: Phrase) -> int:
    """Index of `phrase` as whole words inside `words`, or -1."""
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if words[i : i + n] == phrase:
            return i
    return -1


# -- the lexicon --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    phrase: Phrase
    language: str | None
    value: str | None = None


@dataclass(frozen=True)
class _Lexicon:
    menu_digits: dict[str, IntentKind]
    daypart_digits: dict[str, str]
    strong_stop: tuple[Phrase, ...]
    words: dict[str, tuple[_Entry, ...]]  # category -> entries (stop, start, help, yes, ...)
    dayparts: tuple[_Entry, ...]
    language_names: tuple[_Entry, ...]
    language_codes: dict[str, str]
    greetings: tuple[Phrase, ...]
    negations: tuple[Phrase, ...]


_CATEGORIES = ("stop", "start", "help", "yes", "no", "call", "no_thanks", "arranged")


@cache
def _lexicon() -> _Lexicon:
    raw = tomllib.loads(resources.files("flows").joinpath("intents.toml").read_text("utf-8"))
    return _build_lexicon(raw)


def _build_lexicon(raw: dict[str, Any]) -> _Lexicon:
    words: dict[str, list[_Entry]] = {c: [] for c in _CATEGORIES}
    dayparts: list[_Entry] = []
    greetings: list[Phrase] = []
    negations: list[Phrase] = []
    for lang in LOCALES:
        table = raw[lang]
        for category in _CATEGORIES:
            words[category].extend(_Entry(tokens(p), lang) for p in table.get(category, []))
        for daypart, phrases in table.get("dayparts", {}).items():
            dayparts.extend(_Entry(tokens(p), lang, daypart) for p in phrases)
        greetings.extend(tokens(p) for p in table.get("greetings", []))
        negations.extend(tokens(p) for p in table.get("negations", []))
    names: list[_Entry] = []
    codes: dict[str, str] = {}
    for lang, table in raw["languages"].items():
        names.extend(_Entry(tokens(p), lang, lang) for p in table["names"])
        codes.update({normalize(code): lang for code in table["codes"]})

    # Longest phrases first, so "nee bedankt" wins over "nee" and "s ochtends" over "s".
    def longest_first(entries: Iterable[_Entry]) -> tuple[_Entry, ...]:
        return tuple(sorted(entries, key=lambda e: -len(e.phrase)))

    return _Lexicon(
        menu_digits={k: IntentKind(v) for k, v in raw["menu"]["digits"].items()},
        daypart_digits=dict(raw["menu"]["daypart_digits"]),
        strong_stop=tuple(tokens(p) for p in raw["strong_stop"]["words"]),
        words={c: longest_first(e) for c, e in words.items()},
        dayparts=longest_first(dayparts),
        language_names=longest_first(names),
        language_codes=codes,
        greetings=tuple(sorted(greetings, key=len, reverse=True)),
        negations=tuple(negations),
    )


# -- matching helpers ---------------------------------------------------------------------
def _language_of(entries: Iterable[_Entry]) -> str | None:
    """The detected language, only when the matching word belongs to exactly one language."""
    languages = {e.language for e in entries}
    return languages.pop() if len(languages) == 1 else None


def _whole(words: Phrase, entries: tuple[_Entry, ...]) -> list[_Entry]:
    return [e for e in entries if e.phrase == words]


def _inside(words: Phrase, entries: tuple[_Entry, ...]) -> list[_Entry]:
    return [e for e in entries if _find(words, e.phrase) >= 0]


def _leading(words: Phrase, entries: tuple[_Entry, ...]) -> list[_Entry]:
    return [e for e in entries if words[: len(e.phrase)] == e.phrase]


def _without_greetings(words: Phrase, greetings: tuple[Phrase, ...]) -> Phrase:
    for greeting in greetings:
        while (i := _find(words, greeting)) >= 0:
            words = words[:i] + words[i + len(greeting) :]
    return words


def _daypart(words: Phrase, lex: _Lexicon) -> tuple[str, str | None] | None:
    """The daypart mentioned first in the text, with its language."""
    found: list[tuple[int, _Entry]] = []
    for entry in lex.dayparts:
        if (i := _find(words, entry.phrase)) >= 0:
            found.append((i, entry))
    if not found:
        return None
    first = min(i for i, _ in found)
    at_first = [e for i, e in found if i == first]
    best = max(at_first, key=lambda e: len(e.phrase))
    same = [e for _, e in found if e.phrase == best.phrase]
    return str(best.value), _language_of(same)


# -- the parser ---------------------------------------------------------------------------
def parse_intent(text: str, expecting: str | None = None) -> Intent:
    """Classify a reply. `expecting` is what the engine just asked: "menu" or "daypart"."""
    lex = _lexicon()
    words = _without_greetings(tokens(text), lex.greetings)
    if not words:
        return Intent(IntentKind.UNKNOWN)
    return (
        _opt_words(words, lex)
        or _language(words, lex)
        or _digit(words, lex, expecting)
        or _phrases(words, lex)
        or _bare_daypart(words, lex)
        or _yes_no(words, lex)
        or Intent(IntentKind.UNKNOWN)
    )


def _opt_words(words: Phrase, lex: _Lexicon) -> Intent | None:
    """STOP / START / HELP — checked first: opting out must never be mistaken for a choice."""
    stop = lex.words["stop"]
    hits = _whole(words, stop)
    if not hits and any(words[: len(p)] == p for p in lex.strong_stop):
        hits = _leading(words, stop)
    if not hits and len(words) <= _MAX_STOP_WORDS:
        hits = _inside(words, stop)
    if hits or any(words[: len(p)] == p for p in lex.strong_stop):
        return Intent(IntentKind.STOP, language=_language_of(hits))
    start = lex.words["start"]
    hits = _whole(words, start) or (
        _leading(words, start) if len(words) <= _MAX_START_WORDS else []
    )
    if hits:
        return Intent(IntentKind.START, language=_language_of(hits))
    if hits := _whole(words, lex.words["help"]):
        return Intent(IntentKind.HELP, language=_language_of(hits))
    return None


def _language(words: Phrase, lex: _Lexicon) -> Intent | None:
    if len(words) == 1 and words[0] in lex.language_codes:
        code = lex.language_codes[words[0]]
        return Intent(IntentKind.LANGUAGE, value=code, language=code)
    if len(words) > _MAX_LANGUAGE_WORDS:
        return None
    named = {str(e.value) for e in _inside(words, lex.language_names)}
    if len(named) == 1:
        code = named.pop()
        return Intent(IntentKind.LANGUAGE, value=code, language=code)
    return None


def _digit(words: Phrase, lex: _Lexicon, expecting: str | None) -> Intent | None:
    digits = {w for w in words if w.isdigit()}
    if len(words) > _MAX_MENU_WORDS or len(digits) != 1:
        return None
    digit = digits.pop()
    if expecting == EXPECT_DAYPART and digit in lex.daypart_digits:
        return Intent(IntentKind.DAYPART, value=lex.daypart_digits[digit])
    kind = lex.menu_digits.get(digit)
    if kind is None:
        return None
    value = None
    if kind is IntentKind.MENU_CALL and (part := _daypart(words, lex)):
        value = part[0]  # "1 's avonds": a call, in the evening
    return Intent(kind, value=value)


def _phrases(words: Phrase, lex: _Lexicon) -> Intent | None:
    """The menu in the resident's own words: "nee bedankt", "bel me 's avonds", "al betaald"."""
    if hits := _inside(words, lex.words["no_thanks"]):
        return Intent(IntentKind.MENU_NO_THANKS, language=_language_of(hits))
    negated = any(_find(words, p) >= 0 for p in lex.negations)
    for category, kind in (("call", IntentKind.MENU_CALL), ("arranged", IntentKind.MENU_ARRANGED)):
        if hits := _inside(words, lex.words[category]):
            if negated:
                # "bel me niet", "nog niet betaald": not a choice a machine should make.
                return Intent(IntentKind.UNKNOWN, language=_language_of(hits))
            part = _daypart(words, lex) if kind is IntentKind.MENU_CALL else None
            return Intent(kind, value=part[0] if part else None, language=_language_of(hits))
    return None


def _bare_daypart(words: Phrase, lex: _Lexicon) -> Intent | None:
    if part := _daypart(words, lex):
        return Intent(IntentKind.DAYPART, value=part[0], language=part[1])
    return None


def _yes_no(words: Phrase, lex: _Lexicon) -> Intent | None:
    if len(words) > _MAX_YES_NO_WORDS:
        return None
    for category, kind in (("yes", IntentKind.YES), ("no", IntentKind.NO)):
        if hits := _leading(words, lex.words[category]):
            return Intent(kind, language=_language_of(hits))
    return None
