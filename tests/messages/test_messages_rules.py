"""Every text rule fails on a deliberately bad text and passes on the shipped catalogues."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest

from messages import catalog, rules, usage
from messages.keys import KEYS
from messages.rules import Report

Edit = Callable[..., None]


def check(locales_dir: Path | None = None, **options: Any) -> Report:
    """The catalogue rules only; scanning the code is tested once, below."""
    options.setdefault("code_root", None)
    return rules.check(locales_dir, **options)


FIRST = "sms.first_contact"
NL_FIRST = (
    "Gemeente {gemeente}: Goedendag. Wij denken graag met u mee. U beslist zelf.\n"
    "Stuur 1 als we u mogen bellen.\nOf bel ons: {telefoon}"
)


def rules_for(report: Report, locale: str, key: str) -> set[str]:
    return {f.rule for f in report.errors if f.locale == locale and f.key == key}


@pytest.fixture(scope="module")
def shipped() -> Report:
    return rules.check()  # catalogues and code


def test_shipped_catalogues_have_no_errors(shipped: Report) -> None:
    assert shipped.errors == [], "\n".join(map(str, shipped.errors))


def test_every_key_is_in_all_six_catalogues() -> None:
    for locale in catalog.LOCALES:
        po = polib.pofile(str(catalog.po_path(catalog.DEFAULT_LOCALES_DIR, locale)))
        present = {e.msgctxt for e in po if not e.obsolete}
        assert {k.name for k in KEYS} <= present, locale


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_dutch_and_english_are_complete_and_reviewed(locale: str, shipped: Report) -> None:
    po = polib.pofile(str(catalog.po_path(catalog.DEFAULT_LOCALES_DIR, locale)))
    assert [e.msgctxt for e in po.fuzzy_entries()] == []
    assert [e.msgctxt for e in po.untranslated_entries()] == []
    assert [f for f in shipped.warnings if f.locale == locale] == []


def test_a_good_replacement_text_passes(locales: Path, edit: Edit) -> None:
    edit(locales, "nl", FIRST, NL_FIRST)
    assert rules_for(check(locales), "nl", FIRST) == set()


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        ("Kijk op www.gemeente.nl voor hulp.", "link"),
        ("Kijk op https://hulp.example/ik voor hulp.", "link"),
        ("Mail naar hulp@gemeente-utrecht.nl.", "link"),
        ("Wij helpen u met uw schulden.", "debt-word"),
        ("U hebt een betalingsachterstand.", "debt-word"),
        ("Het gaat om € 250.", "amount"),
        ("Het gaat om 250,00.", "amount"),
        ("Het gaat om 80 euro.", "amount"),
        ("Vattenfall meldde ons iets.", "creditor"),
        ("Uw verhuurder meldde ons iets.", "creditor"),
    ],
)
def test_forbidden_content_is_an_error(locales: Path, edit: Edit, bad: str, rule: str) -> None:
    assert rule not in rules_for(check(locales), "nl", FIRST)
    edit(locales, "nl", FIRST, NL_FIRST.replace("Goedendag.", bad))
    assert rule in rules_for(check(locales), "nl", FIRST)


@pytest.mark.parametrize(
    ("locale", "word"),
    [
        ("en", "We can help with your debt."),
        ("tr", "Borç konusunda yardım."),
        ("ar", "نساعدك في الديون."),
        ("pl", "Pomoc przy długach."),
        ("uk", "Допомога з боргами."),
    ],
)
def test_debt_is_forbidden_in_every_language(
    locales: Path, edit: Edit, locale: str, word: str
) -> None:
    key = "sms.menu"
    edit(
        locales,
        locale,
        key,
        "{gemeente}: " + word if locale != "ar" else "بلدية {gemeente}: " + word,
    )
    assert "debt-word" in rules_for(check(locales), locale, key)


def test_arabic_word_for_city_is_not_mistaken_for_debt(locales: Path, edit: Edit) -> None:
    edit(locales, "ar", "sms.menu", "بلدية {gemeente}: مرحباً من المدينة.")
    assert "debt-word" not in rules_for(check(locales), "ar", "sms.menu")


def test_more_than_two_sms_parts_is_an_error(locales: Path, edit: Edit) -> None:
    long_text = NL_FIRST + " Wij zijn er voor u." * 10
    edit(locales, "nl", FIRST, long_text)
    errors = [f for f in check(locales).errors if f.key == FIRST and f.rule == "segments"]
    assert errors and "3 SMS parts" in errors[0].message


def test_one_letter_outside_gsm7_can_make_three_parts(locales: Path, edit: Edit) -> None:
    shipped_text = (
        polib.pofile(str(catalog.po_path(locales, "nl"))).find(FIRST, by="msgctxt").msgstr
    )
    edit(locales, "nl", FIRST, shipped_text.replace("Goedendag.", "Goedendag, geïnteresseerde."))
    errors = [f for f in check(locales).errors if f.key == FIRST and f.rule == "segments"]
    assert errors and "ï" in errors[0].message and "UCS-2" in errors[0].message


def test_segments_use_the_longest_values_and_accept_real_ones(locales: Path, edit: Edit) -> None:
    # With a 22-letter name and a 15-letter phone number this takes 3 parts,
    # with this municipality's own short name and number only 2.
    body = "Goedendag. " + "Wij zijn er voor u. " * 13
    edit(locales, "nl", FIRST, "Gemeente {gemeente}: " + body.strip() + " Bel {telefoon}")
    assert "segments" in rules_for(check(locales), "nl", FIRST)
    short = {"gemeente": "Ede", "telefoon": "14 0318"}
    assert "segments" not in rules_for(check(locales, values=short), "nl", FIRST)


def test_a_sentence_over_fifteen_words_is_an_error(locales: Path, edit: Edit) -> None:
    sentence = "We willen u graag een keer bellen om samen te kijken wat er nu voor u mogelijk is."
    edit(locales, "nl", FIRST, NL_FIRST.replace("Goedendag.", sentence))
    assert "sentence-length" in rules_for(check(locales), "nl", FIRST)


def test_dutch_below_flesch_douma_60_is_an_error(locales: Path, edit: Edit) -> None:
    hard = "Gemeentelijke dienstverleningsprocedures vereisen inkomensverificatie."
    edit(locales, "nl", FIRST, NL_FIRST.replace("Goedendag.", hard))
    assert "readability" in rules_for(check(locales), "nl", FIRST)


def test_a_missing_placeholder_is_an_error(locales: Path, edit: Edit) -> None:
    edit(locales, "en", FIRST, "Municipality of {gemeente}: Hello. Send 1 if we may call you.")
    errors = [f for f in check(locales).errors if f.locale == "en" and f.key == FIRST]
    assert any(f.rule == "placeholders" and "{telefoon}" in f.message for f in errors)


@pytest.mark.parametrize(
    "bad",
    [
        "{gemeente}: {telefoon} {telephone}",  # a placeholder the code does not pass
        "{gemeente}: {telefoon} {bedrag}",  # a placeholder that would carry an amount
        "{gemeente}: {telefoon} {0}",  # positional
        "{gemeente}: {telefoon:>20}",  # format codes
        "{gemeente}: {telefoon",  # broken braces
    ],
)
def test_wrong_placeholders_are_errors(locales: Path, edit: Edit, bad: str) -> None:
    edit(locales, "en", FIRST, bad)
    assert "placeholders" in rules_for(check(locales), "en", FIRST)


def test_arabic_must_read_right_to_left(locales: Path, edit: Edit) -> None:
    key = "sms.menu"
    assert "rtl" not in rules_for(check(locales), "ar", key)
    edit(locales, "ar", key, "Gemeente {gemeente}: أرسل رقماً واحداً.")
    assert "rtl" in rules_for(check(locales), "ar", key)


def test_every_plural_form_must_be_present(locales: Path, edit: Edit) -> None:
    key = "sms.after_missed_call"
    po = polib.pofile(str(catalog.po_path(locales, "pl")))
    forms = po.find(key, by="msgctxt").msgstr_plural
    edit(locales, "pl", key, [forms[0], forms[1], ""])
    errors = [f for f in check(locales).errors if f.locale == "pl" and f.key == key]
    assert any(f.rule == "plural" and "3 plural forms" in f.message for f in errors)


def test_plural_forms_header_must_match_the_language(locales: Path) -> None:
    path = catalog.po_path(locales, "ar")
    po = polib.pofile(str(path))
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.save(str(path))
    assert any(f.rule == "plural-forms" and f.locale == "ar" for f in check(locales).errors)


@pytest.mark.parametrize("locale", catalog.LOCALES)
def test_shipped_plural_headers_are_right(locale: str) -> None:
    po = polib.pofile(str(catalog.po_path(catalog.DEFAULT_LOCALES_DIR, locale)))
    nplurals, _ = catalog.expected_plural_forms(locale)
    assert po.metadata["Plural-Forms"].startswith(f"nplurals={nplurals};")
    assert {"nl": 2, "en": 2, "tr": 2, "ar": 6, "pl": 3, "uk": 3}[locale] == nplurals


def test_missing_untranslated_and_fuzzy_translations_are_warnings(
    locales: Path, edit: Edit
) -> None:
    edit(locales, "en", "sms.menu", fuzzy=True)
    edit(locales, "en", "sms.help", "")
    edit(locales, "en", "sms.start", remove=True)
    report = check(locales)
    warned = {(f.key, f.rule) for f in report.warnings if f.locale == "en"}
    assert {("sms.menu", "fuzzy"), ("sms.help", "untranslated"), ("sms.start", "missing")} <= warned
    assert report.ok


def test_a_missing_dutch_text_is_an_error(locales: Path, edit: Edit) -> None:
    edit(locales, "nl", "sms.start", remove=True)
    assert "missing" in rules_for(check(locales), "nl", "sms.start")


def test_a_translation_of_an_older_dutch_text_is_flagged(locales: Path, edit: Edit) -> None:
    edit(locales, "nl", "sms.start", "Gemeente {gemeente}: Welkom terug. Vragen? Bel {telefoon}.")
    warned = {(f.locale, f.rule) for f in check(locales).warnings if f.key == "sms.start"}
    assert ("en", "outdated") in warned


def test_a_missing_catalogue_is_an_error(locales: Path) -> None:
    catalog.po_path(locales, "uk").unlink()
    assert any(f.rule == "catalogue" and f.locale == "uk" for f in check(locales).errors)


def test_a_key_rendered_in_code_must_exist(tmp_path: Path) -> None:
    shutil.copy(usage.PROJECT_ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "step.py").write_text(
        "from messages import render\n"
        "def remind(locale, city):\n"
        "    ok = render('sms.reminder', locale, **city)\n"
        "    return ok + render('sms.remider', locale, **city)\n"
    )
    errors = [f for f in check(code_root=tmp_path).errors if f.rule == "unknown-key-in-code"]
    assert [(f.key, f.message.split(" ")[0]) for f in errors] == [
        ("sms.remider", "flows/step.py:4")
    ]
