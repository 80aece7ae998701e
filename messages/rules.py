"""The lint behind `zaadje messages check`: every rule a text must follow before it is sent.

Errors (the check fails): placeholders that differ from the Dutch source and keys.py, forbidden
content (debt, amounts, creditors, links), SMS longer than 2 parts with the longest values,
Dutch below Flesch-Douma 60 or with a sentence over 15 words, Arabic text that does not read
right-to-left, wrong Plural-Forms headers or missing plural forms, a Dutch text missing.
Letters and cards: the same forbidden content and (for bodies and the SMS note) the same Dutch
readability; a subject, heading, card, salutation or closing that speaks of money (others may
read it: `discreet`); a part longer than its limit with the longest values (`length`, as
keys.MAX_LETTER_CHARACTERS); line breaks where the renderer takes one line or paragraphs
separated by one empty line (`layout`).
Warnings: a translation that is missing, empty, fuzzy (needs review) or made from an older Dutch
text; a key the code does not know; Dutch or English forced into UCS-2; a mention of personal
data.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import string
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import polib

from messages import catalog, content, usage
from messages.keys import (
    DAYPARTS,
    FORBIDDEN_PLACEHOLDERS,
    KEYS,
    MAX_SMS_SEGMENTS,
    PLACEHOLDERS,
    Key,
)
from messages.readability import Readability, readability
from messages.render import FSI, LRI, PDI, MessageError, fill, format_date
from messages.segments import count_segments, non_gsm7_characters

Severity = Literal["error", "warning"]

MIN_FLESCH_DOUMA = 60.0
MAX_SENTENCE_WORDS = 15
LATIN_SMS_LOCALES = frozenset({"nl", "en"})


@dataclass(frozen=True)
class Finding:
    severity: Severity
    locale: str
    key: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        data = asdict(self)
        del data["severity"]
        return data

    def __str__(self) -> str:
        where = f"{self.locale} {self.key}" if self.key else self.locale
        return f"{self.severity}: {where}: [{self.rule}] {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, list[dict[str, str]]]:
        return {
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
        }


# ---------------------------------------------------------------- sample values


@functools.cache
def longest_date(locale: str) -> dt.date:
    """The date of 2026 whose written-out form is longest in `locale`."""
    start = dt.date(2026, 1, 1)
    days = (start + dt.timedelta(days=i) for i in range(365))
    return max(days, key=lambda d: len(format_date(d, locale)))


TYPICAL_DATE = dt.date(2025, 3, 3)


def _longest_value(name: str, locale: str) -> object:
    spec = PLACEHOLDERS.get(name)
    if spec is None:
        return "X" * 20
    if spec.kind == "date":
        return longest_date(locale)
    if spec.kind == "count":
        return int(spec.longest)
    return spec.longest


def sample_values(
    names: list[str], locale: str, overrides: Mapping[str, object] | None = None
) -> Iterator[dict[str, object]]:
    """Every combination of longest values to try (all parts of the day), with overrides."""
    overrides = overrides or {}
    fixed = {n: overrides.get(n, _longest_value(n, locale)) for n in names}
    dayparts = [
        n
        for n in names
        if n not in overrides and PLACEHOLDERS.get(n) and PLACEHOLDERS[n].kind == "daypart"
    ]
    for combo in itertools.product(DAYPARTS, repeat=len(dayparts)):
        yield {**fixed, **dict(zip(dayparts, combo, strict=True))}


def typical_text(template: str) -> str:
    """The Dutch text with ordinary values, as a reader would see it (for readability)."""
    values = {n: (p.typical if p.typical else n) for n, p in PLACEHOLDERS.items()}
    return template.format_map(_Default(values))


class _Default(dict[str, str]):
    def __missing__(self, name: str) -> str:
        return name


# ---------------------------------------------------------------- rules on one text


def placeholder_problems(template: str, key: Key) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [f"broken braces ({exc}); write placeholders as {{name}}"]
    problems = []
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier():
            problems.append(f"placeholder {{{name}}} must be a name such as {{gemeente}}")
        elif spec or conversion:
            problems.append(f"write {{{name}}} without format codes")
        names.append(name)
    expected = set(key.placeholders)
    found = set(names)
    optional = {"n"} if key.plural else set()  # a plural form may leave out the number
    missing = sorted(expected - found - optional)
    extra = sorted(found - expected)
    if missing:
        problems.append("missing placeholder " + ", ".join(f"{{{m}}}" for m in missing))
    if extra:
        problems.append(
            "unknown placeholder "
            + ", ".join(f"{{{e}}}" for e in extra)
            + " (allowed: "
            + (", ".join(f"{{{p}}}" for p in key.placeholders) or "none")
            + ")"
        )
    for name in sorted(found & FORBIDDEN_PLACEHOLDERS):
        problems.append(f"placeholder {{{name}}} would carry what a message must never say")
    return problems


def _strong_direction(text: str) -> str | None:
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return "ltr"
        if bidi in ("R", "AL"):
            return "rtl"
    return None


def rtl_problem(template: str) -> str | None:
    bare = "".join(literal for literal, *_ in string.Formatter().parse(template))
    if any(unicodedata.bidirectional(ch) in ("LRE", "RLE", "LRO", "RLO", "PDF") for ch in bare):
        return "no embedding/override controls; isolates are added when the text is rendered"
    for line in bare.splitlines():
        if _strong_direction(line) == "ltr":
            return (
                f"line {line.strip()!r} starts in left-to-right script; start every line in"
                " right-to-left script (a Latin word first turns the line around)"
            )
    if _strong_direction(bare) != "rtl":
        return "must be written in right-to-left script"
    return None


def text_findings(
    key: Key,
    locale: str,
    forms: tuple[str, ...],
    *,
    locales_dir: Path,
    values: Mapping[str, object] | None = None,
) -> Iterator[tuple[Severity, str, str]]:
    """(severity, rule, message) for one catalogue text (every plural form)."""
    for index, template in enumerate(forms):
        if not template:
            continue
        label = f"form {index}: " if len(forms) > 1 else ""
        problems = placeholder_problems(template, key)
        for problem in problems:
            yield "error", "placeholders", label + problem
        for rule, message in content.findings(template):
            yield "error", rule, label + message
        if key.discreet:
            for rule, message in content.findings(template, content.DISCREET):
                yield "error", rule, label + message
        for rule, message in content.findings(template, content.CAUTION):
            yield "warning", rule, label + message
        if catalog.is_rtl(locale) and key.kind != "word" and (rtl := rtl_problem(template)):
            yield "error", "rtl", label + rtl
        if key.on_paper and (layout := layout_problem(key, template)):
            yield "error", "layout", label + layout
        if problems:
            continue  # the text cannot be filled in reliably
        if key.kind == "sms":
            yield from _segment_findings(key, locale, template, index, label, locales_dir, values)
        if key.max_length is not None:
            yield from _length_findings(key, locale, template, label, locales_dir, values)
        if locale == catalog.SOURCE_LOCALE and key.readable:
            yield from _readability_findings(template, label)


def layout_problem(key: Key, template: str) -> str | None:
    """Line breaks a letter's or card's part may not have: the PDF renderer takes the subject,
    salutation and note as one line, a body as paragraphs separated by one empty line, and the
    closing as lines."""
    text = template.strip()
    if key.single_line and "\n" in text:
        return "one line: no line breaks"
    if key.part == "body":
        if re.search(r"\n[ \t]*\n[ \t]*\n", text):
            return "one empty line between paragraphs, not more"
        for paragraph in re.split(r"\n[ \t]*\n", text):
            if "\n" in paragraph.strip():
                line = paragraph.strip().split("\n")[0]
                return (
                    f"a line break inside a paragraph (after {line[-30:]!r}): the printer wraps"
                    " lines itself; separate paragraphs by one empty line"
                )
    if key.part == "closing" and re.search(r"\n[ \t]*\n", text):
        return "no empty line in the closing: one item per line"
    return None


_ISOLATES = str.maketrans("", "", LRI + FSI + PDI)


def _length_findings(
    key: Key,
    locale: str,
    template: str,
    label: str,
    locales_dir: Path,
    values: Mapping[str, object] | None,
) -> Iterator[tuple[Severity, str, str]]:
    """A letter's or card's part must fit its page with the longest values."""
    assert key.max_length is not None
    longest = 0
    for sample in sample_values(list(key.placeholders), locale, values):
        try:
            text = fill(template, locale, sample, key=key.name, locales_dir=locales_dir, draft=True)
        except MessageError as exc:
            yield "error", "placeholders", label + str(exc)
            return
        if text is not None:
            longest = max(longest, len(text.strip().translate(_ISOLATES)))
    if longest > key.max_length:
        where = "a card" if key.kind == "card" else "one page"
        yield (
            "error",
            "length",
            f"{label}{longest} characters with the longest values, at most {key.max_length}"
            f" ({key.part} of {where})",
        )


def _segment_findings(
    key: Key,
    locale: str,
    template: str,
    index: int,
    label: str,
    locales_dir: Path,
    values: Mapping[str, object] | None,
) -> Iterator[tuple[Severity, str, str]]:
    worst = None
    for sample in sample_values(list(key.placeholders), locale, values):
        try:
            text = fill(template, locale, sample, key=key.name, locales_dir=locales_dir, draft=True)
        except MessageError as exc:
            yield "error", "placeholders", label + str(exc)
            return
        if text is None:
            continue
        count = count_segments(text)
        if worst is None or count.segments > worst[0].segments or count.units > worst[0].units:
            worst = (count, text)
    if worst is None:
        return
    count, text = worst
    if count.segments > MAX_SMS_SEGMENTS:
        hint = ""
        if count.encoding == "UCS-2" and locale in LATIN_SMS_LOCALES:
            hint = f"; {' '.join(non_gsm7_characters(text))} force UCS-2 (67 per part)"
        yield (
            "error",
            "segments",
            f"{label}{count.segments} SMS parts ({count.units} {count.encoding} units with the"
            f" longest values), at most {MAX_SMS_SEGMENTS}{hint}",
        )
    elif count.encoding == "UCS-2" and locale in LATIN_SMS_LOCALES:
        chars = " ".join(repr(c) for c in non_gsm7_characters(text))
        yield (
            "warning",
            "encoding",
            f"{label}{chars} turn the SMS into UCS-2 (67 instead of 153 letters per part)",
        )


@dataclass(frozen=True)
class ReadabilityVerdict:
    """Whether a plain Dutch text reads easily enough, with the score behind the verdict."""

    score: Readability
    too_hard: bool  # Flesch-Douma below MIN_FLESCH_DOUMA
    sentence_too_long: bool  # a sentence of more than MAX_SENTENCE_WORDS words


def readability_verdict(text: str) -> ReadabilityVerdict:
    """The readability rule for a Dutch text as the resident reads it (placeholders filled):
    one rule for catalogue texts and for the desk's free texts."""
    score = readability(text)
    return ReadabilityVerdict(
        score=score,
        too_hard=score.flesch_douma < MIN_FLESCH_DOUMA,
        sentence_too_long=score.longest_sentence_words > MAX_SENTENCE_WORDS,
    )


def _readability_findings(template: str, label: str) -> Iterator[tuple[Severity, str, str]]:
    verdict = readability_verdict(typical_text(template))
    score = verdict.score
    if verdict.too_hard:
        yield (
            "error",
            "readability",
            f"{label}Flesch-Douma {score.flesch_douma:.0f}, needs {MIN_FLESCH_DOUMA:.0f} or more:"
            " use shorter words and sentences",
        )
    if verdict.sentence_too_long:
        yield (
            "error",
            "sentence-length",
            f"{label}sentence of {score.longest_sentence_words} words (at most"
            f" {MAX_SENTENCE_WORDS}): {score.longest_sentence!r}",
        )


# ---------------------------------------------------------------- rules on a catalogue


def _forms(entry: polib.POEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural.get(i, "") for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def _source_forms(entry: polib.POEntry) -> tuple[str, ...]:
    return (entry.msgid, entry.msgid_plural) if entry.msgid_plural else (entry.msgid,)


def _load(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def catalogue_findings(
    locale: str,
    locales_dir: Path,
    source: dict[str, tuple[str, ...]],
    values: Mapping[str, object] | None = None,
) -> Iterator[Finding]:
    is_source = locale == catalog.SOURCE_LOCALE
    path = catalog.po_path(locales_dir, locale)
    if not path.exists():
        yield Finding("error", locale, "", "catalogue", f"{path} is missing")
        return
    try:
        po = _load(path)
    except (OSError, ValueError) as exc:
        yield Finding("error", locale, "", "catalogue", f"{path} cannot be read: {exc}")
        return

    nplurals, expr = catalog.expected_plural_forms(locale)
    header = po.metadata.get("Plural-Forms", "")
    parsed = catalog.parse_plural_forms(header)
    if parsed is None or parsed[0] != nplurals or _squash(parsed[1]) != _squash(expr):
        yield Finding(
            "error",
            locale,
            "",
            "plural-forms",
            f"Plural-Forms is {header!r}, should be 'nplurals={nplurals}; plural={expr};'",
        )

    entries = {e.msgctxt: e for e in po if e.msgctxt and not e.obsolete}
    missing_severity: Severity = "error" if is_source else "warning"
    for key in KEYS:
        entry = entries.get(key.name)

        def finding(severity: Severity, rule: str, message: str, key: Key = key) -> Finding:
            return Finding(severity, locale, key.name, rule, message)

        if entry is None:
            yield finding(missing_severity, "missing", "not in this catalogue; run make messages")
            continue
        if bool(entry.msgid_plural) != key.plural:
            want = "needs msgid_plural (plural forms)" if key.plural else "must not be plural"
            yield finding("error", "plural", want)
            continue
        forms = _forms(entry)
        if not any(forms):
            yield finding(missing_severity, "untranslated", "has no text yet")
            continue
        if key.plural:
            empty = [str(i) for i, form in enumerate(forms) if not form]
            if len(forms) != nplurals or empty:
                yield finding(
                    "error",
                    "plural",
                    f"needs all {nplurals} plural forms of {locale}; has {len(forms)}"
                    + (f", empty: {', '.join(empty)}" if empty else ""),
                )
        if "fuzzy" in entry.flags:
            yield finding(
                "error" if is_source else "warning",
                "fuzzy",
                "needs review (fuzzy): residents get the fallback text until it is reviewed",
            )
        elif not is_source and key.name in source and _source_forms(entry) != source[key.name][:2]:
            yield finding(
                "warning",
                "outdated",
                "translated from an older Dutch text; run make messages to mark it for review",
            )
        for severity, rule, message in text_findings(
            key, locale, forms, locales_dir=locales_dir, values=values
        ):
            yield finding(severity, rule, message)

    known = {k.name for k in KEYS}
    for name in entries:
        if name not in known:
            yield Finding("warning", locale, name, "unknown-key", "not in messages/keys.py")


def _squash(expr: str) -> str:
    return "".join(expr.split()).strip("();")


def _source_texts(locales_dir: Path) -> dict[str, tuple[str, ...]]:
    path = catalog.po_path(locales_dir, catalog.SOURCE_LOCALE)
    if not path.exists():
        return {}
    try:
        po = _load(path)
    except (OSError, ValueError):
        return {}
    return {e.msgctxt: _forms(e) for e in po if e.msgctxt and not e.obsolete}


def catalogue_locales(locales_dir: Path) -> list[str]:
    """The shipped languages, then any other language found in the directory."""
    found = sorted(p.parent.parent.name for p in Path(locales_dir).glob("*/LC_MESSAGES/*.po"))
    return list(dict.fromkeys([*catalog.LOCALES, *found]))


def code_findings(root: Path) -> Iterator[Finding]:
    known = {k.name for k in KEYS}
    for use in usage.keys_in_code(root):
        if use.key not in known:
            yield Finding(
                "error",
                "",
                use.key,
                "unknown-key-in-code",
                f"{use.path}:{use.line} renders {use.key!r}, which is not in messages/keys.py",
            )


def check(
    locales_dir: Path | str | None = None,
    *,
    locales: list[str] | None = None,
    values: Mapping[str, object] | None = None,
    code_root: Path | None = usage.PROJECT_ROOT,
) -> Report:
    """Check every catalogue in `locales_dir` (default: the shipped ones).

    `values` replaces the longest sample values (e.g. the municipality's own name and number).
    `code_root` is scanned (per its babel.cfg) for render() calls with unknown keys.
    """
    directory = Path(locales_dir) if locales_dir else catalog.DEFAULT_LOCALES_DIR
    catalog.clear_cache()  # the files may have changed since they were last read
    source = _source_texts(directory)
    report = Report()
    for locale in locales or catalogue_locales(directory):
        report.findings.extend(catalogue_findings(locale, directory, source, values))
    if code_root is not None:
        report.findings.extend(code_findings(code_root))
    return report
