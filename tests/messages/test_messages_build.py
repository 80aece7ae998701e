"""`make messages`: extract, update and compile keep translations and flag changed ones."""

from __future__ import annotations

import filecmp
from collections.abc import Callable
from pathlib import Path

import polib
import pytest

from messages import build, catalog, keys, rules
from messages.keys import Key

Edit = Callable[..., None]


def entry(locales: Path, locale: str, key: str) -> polib.POEntry:
    po = polib.pofile(str(catalog.po_path(locales, locale)))
    found = po.find(key, by="msgctxt", include_obsolete_entries=True)
    assert found is not None, (locale, key)
    return found


def make_messages(locales: Path) -> None:
    assert build.main(["all", "--locales-dir", str(locales)]) == 0


def test_shipped_catalogues_are_up_to_date(locales: Path) -> None:
    make_messages(locales)
    for locale in catalog.LOCALES:
        shipped = catalog.po_path(catalog.DEFAULT_LOCALES_DIR, locale)
        assert filecmp.cmp(shipped, catalog.po_path(locales, locale), shallow=False), locale
    assert filecmp.cmp(build.TEMPLATE, locales / "zaadje.pot", shallow=False)


def test_template_has_every_key_with_a_translator_note() -> None:
    pot = polib.pofile(str(build.TEMPLATE))
    by_key = {e.msgctxt: e for e in pot}
    assert set(by_key) == {k.name for k in keys.KEYS}
    first = by_key["sms.first_contact"]
    assert first.msgid.startswith("Gemeente {gemeente}: ")  # the Dutch source
    assert "{telefoon} = " in first.comment and "Tone:" in first.comment
    assert "python-brace-format" in first.flags
    assert by_key["sms.after_missed_call"].msgid_plural


def test_editing_the_dutch_keeps_translations_but_marks_them_for_review(
    locales: Path, edit: Edit
) -> None:
    english_before = entry(locales, "en", "sms.start").msgstr
    new_dutch = "Gemeente {gemeente}: Welkom terug! Vragen? Bel ons: {telefoon}"
    edit(locales, "nl", "sms.start", new_dutch)
    make_messages(locales)

    nl = entry(locales, "nl", "sms.start")
    assert (nl.msgid, nl.msgstr, nl.fuzzy) == (new_dutch, new_dutch, False)
    en = entry(locales, "en", "sms.start")
    assert en.msgstr == english_before and en.fuzzy
    assert en.msgid == new_dutch and en.previous_msgid.startswith("Gemeente {gemeente}: U krijgt")
    assert entry(locales, "en", "sms.menu").fuzzy is False  # untouched texts stay reviewed

    catalog.configure(locales_dir=locales)
    from messages import render_detail

    assert render_detail("sms.start", "en", gemeente="Ede", telefoon="1").locale == "nl"


def test_a_new_key_reaches_every_catalogue(locales: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = Key("sms.test_new", "sms", ("gemeente",), "A test text.")
    monkeypatch.setattr(build, "KEYS", (*keys.KEYS, new))
    monkeypatch.setattr(rules, "KEYS", (*keys.KEYS, new))
    make_messages(locales)
    for locale in catalog.LOCALES:
        assert entry(locales, locale, "sms.test_new").msgstr == ""
    report = rules.check(locales)
    assert any(f.rule == "untranslated" and f.locale == "nl" for f in report.errors)
    assert any(f.rule == "untranslated" and f.locale == "en" for f in report.warnings)


def test_a_removed_key_becomes_obsolete(locales: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remaining = tuple(k for k in keys.KEYS if k.name != "sms.welcome_back")
    monkeypatch.setattr(build, "KEYS", remaining)
    make_messages(locales)
    for locale in catalog.LOCALES:
        assert entry(locales, locale, "sms.welcome_back").obsolete


def test_a_new_language_starts_empty(locales: Path) -> None:
    assert build.main(["init", "so", "--locales-dir", str(locales)]) == 0
    make_messages(locales)
    po = polib.pofile(str(catalog.po_path(locales, "so")))
    assert len(po.untranslated_entries()) == len(keys.KEYS)
    report = rules.check(locales)
    assert report.ok
    assert any(f.locale == "so" and f.rule == "untranslated" for f in report.warnings)


def test_compile_writes_mo_beside_each_po(locales: Path) -> None:
    assert build.main(["compile", "--locales-dir", str(locales)]) == 0
    for locale in catalog.LOCALES:
        assert catalog.mo_path(locales, locale).exists()
