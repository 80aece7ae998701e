"""How an edited text would reach a resident, and what the text rules say about it.

The findings are exactly those of `zaadje messages check` for one text (messages.rules), so the
desk and the command line never disagree. An error (a link, the word "schuld", a placeholder
missing, too many SMS parts with the longest values, Dutch too hard to read) blocks approval;
a warning is shown but does not block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from messages import catalog
from messages.keys import PLACEHOLDERS, Key
from messages.render import MessageError, fill
from messages.rules import TYPICAL_DATE, Severity, text_findings
from messages.segments import Encoding, count_segments


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str
    message: str


@dataclass(frozen=True)
class FormPreview:
    """One form of the text filled in with the municipality's own values."""

    text: str
    encoding: Encoding
    segments: int
    characters: int


@dataclass(frozen=True)
class Preview:
    key: str
    locale: str
    forms: tuple[FormPreview | None, ...]  # None where the form cannot be filled in
    findings: tuple[Finding, ...]
    rtl: bool

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def blocks_approval(self) -> bool:
        return bool(self.errors)


def sample_values(key: Key, values: Mapping[str, object] | None = None) -> dict[str, object]:
    """Ordinary values for the preview; the municipality's own name and number when given."""
    given = dict(values or {})
    out: dict[str, object] = {}
    for name in key.placeholders:
        spec = PLACEHOLDERS[name]
        if name in given:
            out[name] = given[name]
        elif spec.kind == "date":
            out[name] = TYPICAL_DATE
        elif spec.kind == "count":
            out[name] = int(spec.typical or 2)
        else:
            out[name] = spec.typical
    return out


def _fill(
    key: Key, locale: str, form: str, values: Mapping[str, object], locales_dir: Path
) -> FormPreview | None:
    if not form.strip():
        return None
    try:
        text = fill(form, locale, values, key=key.name, locales_dir=locales_dir, draft=True)
    except (MessageError, ValueError, KeyError, IndexError):
        return None  # broken or unknown placeholders: the findings say what is wrong
    if text is None:
        return None
    count = count_segments(text)
    return FormPreview(text, count.encoding, count.segments, len(text))


def preview(
    key: Key,
    locale: str,
    forms: Sequence[str],
    *,
    values: Mapping[str, object] | None = None,
) -> Preview:
    """Preview and findings for `forms` (one text, or every plural form) of `key` in `locale`."""
    locales_dir = Path(catalog.settings().locales_dir)
    findings = [
        Finding("error", "empty", f"form {i}: has no text" if len(forms) > 1 else "has no text")
        for i, form in enumerate(forms)
        if not form.strip()
    ]
    findings.extend(
        Finding(severity, rule, message)
        for severity, rule, message in text_findings(
            key, locale, tuple(forms), locales_dir=locales_dir
        )
    )
    filled = sample_values(key, values)
    shown = tuple(_fill(key, locale, form, filled, locales_dir) for form in forms)
    return Preview(key.name, locale, shown, tuple(findings), catalog.is_rtl(locale))
