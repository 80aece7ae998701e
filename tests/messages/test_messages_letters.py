"""Letters and the card at the door: their keys, one language per letter, the review gate and
every text rule a letter can break."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypedDict

import polib
import pytest

from messages import (
    DOCUMENTS,
    KEYS_BY_NAME,
    MessageError,
    build,
    catalog,
    configure,
    paragraphs,
    render,
    render_detail,
    render_letter,
    rules,
    usage,
)
from messages.keys import MAX_LETTER_CHARACTERS
from messages.rules import Report

Edit = Callable[..., None]


class CardValues(TypedDict):
    gemeente: str
    telefoon: str
    datum: dt.date


class Values(CardValues):
    medewerker: str


CARD: CardValues = {"gemeente": "Utrecht", "telefoon": "14 030", "datum": dt.date(2026, 9, 16)}
VALUES: Values = {**CARD, "medewerker": "Sanne Bakker"}
FIRST = "letter.first_contact"
FIRST_SUBJECT = "letter.first_contact.subject"
FIRST_BODY = "letter.first_contact.body"
NL_BODY = (
    "De gemeente {gemeente} helpt gratis bij geldzorgen. U beslist zelf.\n\n"
    "Wilt u praten? Bel ons dan op {telefoon}."
)
TRANSLATED = ("en", "tr", "ar", "pl", "uk")


def check(locales_dir: Path, values: Mapping[str, object] | None = None) -> Report:
    return rules.check(locales_dir, values=values, code_root=None)


def errors(report: Report, locale: str, key: str) -> set[str]:
    return {f.rule for f in report.errors if f.locale == locale and f.key == key}


def letter_keys(name: str) -> set[str]:
    document = next(d for d in DOCUMENTS if d.name == name)
    return {
        *document.keys(named=True, sms_note=True),
        *document.keys(named=False, sms_note=False),
    }


# ---------------------------------------------------------------- keys


def test_the_letter_keys_and_their_placeholders() -> None:
    """What the letter batch passes: exactly these placeholders, no others."""
    declared = {
        name: (key.kind, key.part, key.placeholders)
        for name, key in KEYS_BY_NAME.items()
        if key.on_paper
    }
    assert declared == {
        "letter.first_contact.subject": ("letter", "subject", ()),
        "letter.first_contact.body": ("letter", "body", ("gemeente", "telefoon")),
        "letter.after_visit.subject": ("letter", "subject", ()),
        "letter.after_visit.body": ("letter", "body", ("datum", "gemeente", "telefoon")),
        "letter.sms_note": ("letter", "note", ()),
        "letter.salutation": ("letter", "salutation", ("naam",)),
        "letter.salutation.unnamed": ("letter", "salutation", ()),
        "letter.closing": ("letter", "closing", ("medewerker", "gemeente")),
        "card.visit.heading": ("card", "subject", ()),
        "card.visit.body": ("card", "body", ("datum", "gemeente", "telefoon")),
    }
    assert "card.home_visit" not in KEYS_BY_NAME  # card.visit replaced it
    assert [d.name for d in DOCUMENTS] == [FIRST, "letter.after_visit", "card.visit"]
    for document in DOCUMENTS:
        assert letter_keys(document.name) <= set(KEYS_BY_NAME), document.name


def test_only_a_letters_body_may_speak_of_money() -> None:
    discreet = {name for name, key in KEYS_BY_NAME.items() if key.discreet}
    on_paper = {name for name, key in KEYS_BY_NAME.items() if key.on_paper}
    assert on_paper - discreet == {"letter.first_contact.body", "letter.after_visit.body"}


def test_the_template_tells_translators_the_letter_rules() -> None:
    pot = {e.msgctxt: e for e in polib.pofile(str(build.TEMPLATE))}
    subject, body = pot[FIRST_SUBJECT], pot[FIRST_BODY]
    assert "envelope window" in subject.comment and "One line" in subject.comment
    assert "one empty line" in body.comment and "at most 15 words" in body.comment
    assert f"At most {MAX_LETTER_CHARACTERS['body']} characters" in body.comment
    assert "{telefoon} = " in body.comment and "python-brace-format" in body.flags


# ---------------------------------------------------------------- rendering


def test_a_dutch_letter_as_the_pdf_renderer_takes_it() -> None:
    letter = render_letter(FIRST, "nl", naam="J. de Vries", sms_note=True, **VALUES)
    assert (letter.locale, letter.requested_locale, letter.fallback) == ("nl", "nl", False)
    assert letter.subject == render(FIRST_SUBJECT, "nl")
    assert letter.paragraphs[0] == "Beste J. de Vries,"
    assert letter.paragraphs[1:-1] == paragraphs(render(FIRST_BODY, "nl", **VALUES))
    assert letter.paragraphs[-1] == render("letter.sms_note", "nl")
    assert letter.closing == "Met vriendelijke groet,\nSanne Bakker\nGemeente Utrecht"
    body = " ".join(letter.paragraphs)
    assert "14 030" in body and "gratis" in body and "U beslist zelf" in body
    assert "collega" in body  # a colleague may come by
    assert "{" not in body + letter.subject + letter.closing
    assert all(p == p.strip() and "\n" not in p for p in letter.paragraphs)


def test_without_a_name_the_letter_greets_the_residents() -> None:
    assert render_letter("letter.after_visit", "nl", **VALUES).paragraphs[0] == "Beste bewoners,"
    for naam in (None, "", "  "):
        letter = render_letter("letter.after_visit", "nl", naam=naam, **VALUES)
        assert letter.paragraphs[0] == "Beste bewoners,"
    assert "Op woensdag 16 september 2026 kwamen wij" in letter.paragraphs[1]
    assert render("letter.sms_note", "nl") not in letter.paragraphs  # only when asked


def test_the_card_has_no_closing_and_needs_no_signature() -> None:
    card = render_letter("card.visit", "nl", **CARD)
    assert card.subject == "Wij kwamen bij u langs" and card.closing == ""
    assert card.paragraphs[0] == "Beste bewoners,"
    assert "14 030" in card.paragraphs[-1]


def test_english_letters_are_reviewed_and_used() -> None:
    for document in DOCUMENTS:
        letter = render_letter(document.name, "en", naam="J. de Vries", **VALUES)
        assert letter.locale == "en" and not letter.fallback, document.name
    letter = render_letter(FIRST, "en", **VALUES)
    assert letter.paragraphs[0] == "Dear residents,"
    assert letter.closing.endswith("Municipality of Utrecht")


def test_a_missing_value_or_unknown_letter_is_a_clear_error() -> None:
    with pytest.raises(MessageError, match=r"needs a value for \{datum\}"):
        render_letter("letter.after_visit", "nl", gemeente="Utrecht", telefoon="1", medewerker="x")
    with pytest.raises(MessageError, match="unknown letter or card"):
        render_letter("letter.nope", "nl", **VALUES)
    with pytest.raises(MessageError, match="unknown message key"):
        render_detail(FIRST, "nl", **VALUES)  # a letter is rendered whole, not as one key


def test_paragraphs() -> None:
    assert paragraphs("Een.\n\nTwee.\n \nDrie.\n\n\n") == ("Een.", "Twee.", "Drie.")
    assert paragraphs("") == ()


# ---------------------------------------------------------------- the review gate


@pytest.mark.parametrize("locale", ["tr", "ar", "pl", "uk"])
def test_unreviewed_letters_are_not_sent_the_resident_gets_dutch(locale: str) -> None:
    po = polib.pofile(str(catalog.po_path(catalog.DEFAULT_LOCALES_DIR, locale)))
    for document in DOCUMENTS:
        for key in letter_keys(document.name):
            entry = po.find(key, by="msgctxt")
            assert entry.msgstr and entry.fuzzy, (locale, key)  # drafted, awaiting review
        letter = render_letter(document.name, locale, naam="J. de Vries", **VALUES)
        dutch = render_letter(document.name, "nl", naam="J. de Vries", **VALUES)
        assert (letter.locale, letter.requested_locale, letter.fallback) == ("nl", locale, True)
        assert (letter.subject, letter.paragraphs, letter.closing) == (
            dutch.subject,
            dutch.paragraphs,
            dutch.closing,
        )
        detail = render_detail(document.body, locale, **VALUES)
        assert detail.locale == "nl" and detail.fallback
        assert render_letter(document.name, locale, draft=True, **VALUES).locale == locale


def test_a_reviewed_letter_is_used_and_never_mixed_with_an_unreviewed_part(
    locales: Path, edit: Edit
) -> None:
    configure(locales_dir=locales)
    edit(locales, "tr", FIRST_SUBJECT, fuzzy=False)
    # The subject alone is reviewed: render_detail uses it, but the letter stays all Dutch.
    assert render_detail(FIRST_SUBJECT, "tr").locale == "tr"
    assert render_letter(FIRST, "tr", **VALUES).locale == "nl"
    for key in letter_keys(FIRST):
        edit(locales, "tr", key, fuzzy=False)
    letter = render_letter(FIRST, "tr", naam="J. de Vries", sms_note=True, **VALUES)
    assert letter.locale == "tr" and not letter.fallback
    assert letter.paragraphs[0] == "Sayın J. de Vries,"
    assert letter.closing.endswith("Utrecht Belediyesi")
    # A translation taken out (or emptied) sends the whole letter in Dutch again.
    edit(locales, "tr", "letter.sms_note", "")
    assert render_letter(FIRST, "tr", sms_note=True, **VALUES).locale == "nl"
    assert render_letter(FIRST, "tr", sms_note=False, **VALUES).locale == "tr"
    edit(locales, "tr", "letter.closing", remove=True)
    assert render_letter(FIRST, "tr", **VALUES).locale == "nl"
    assert render_detail("letter.closing", "tr", **VALUES).locale == "nl"


def test_the_configured_fallback_serves_a_whole_letter() -> None:
    configure(fallbacks=["en"])
    letter = render_letter("letter.after_visit", "uk", **VALUES)
    assert letter.locale == "en" and letter.subject == "We came by to see you"


def test_compiled_files_leave_out_unreviewed_letters(locales: Path) -> None:
    build.compile_all(locales)
    configure(locales_dir=locales)
    tr = polib.mofile(str(catalog.mo_path(locales, "tr")))
    assert not [e.msgctxt for e in tr if e.msgctxt and e.msgctxt.startswith(("letter.", "card."))]
    assert render_letter("card.visit", "tr", **VALUES).locale == "nl"
    assert render_letter("card.visit", "en", **VALUES).locale == "en"


# ---------------------------------------------------------------- the rules


def test_the_shipped_letters_follow_every_rule() -> None:
    report = rules.check(code_root=None)
    on_paper = {n for n, k in KEYS_BY_NAME.items() if k.on_paper}
    assert [str(f) for f in report.errors if f.key in on_paper] == []
    # The translations are checked as well, though they wait for review.
    assert {(f.locale, f.rule) for f in report.warnings if f.key == FIRST_BODY} == {
        (locale, "fuzzy") for locale in ("tr", "ar", "pl", "uk")
    }


def test_a_good_replacement_body_passes(locales: Path, edit: Edit) -> None:
    edit(locales, "nl", FIRST_BODY, NL_BODY)
    assert errors(check(locales), "nl", FIRST_BODY) == set()


LONG_SENTENCE = "We willen u graag een keer bellen om samen te kijken wat er nu voor u mogelijk is."


@pytest.mark.parametrize(
    ("key", "bad", "rule"),
    [
        # The subject: seen through the envelope window.
        (FIRST_SUBJECT, "Hulp bij uw schulden", "debt-word"),
        (FIRST_SUBJECT, "Over uw betalingsachterstand", "debt-word"),
        (FIRST_SUBJECT, "Het gaat om € 250", "amount"),
        (FIRST_SUBJECT, "Het gaat om 80 euro", "amount"),
        (FIRST_SUBJECT, "Een bericht over Vattenfall", "creditor"),
        (FIRST_SUBJECT, "Over uw huur", "creditor"),
        (FIRST_SUBJECT, "Hulp bij geldzorgen", "discreet"),
        (FIRST_SUBJECT, "Hulp bij uw rekeningen", "discreet"),
        (FIRST_SUBJECT, "Kijk op www.utrecht.nl", "link"),
        (FIRST_SUBJECT, "Wij denken graag\nmet u mee", "layout"),
        (FIRST_SUBJECT, "Wij denken graag met u mee " + "en met uw gezin " * 4, "length"),
        (FIRST_SUBJECT, "Gemeente {gemeente}", "placeholders"),
        # The body: inside the envelope; the same debt rule as SMS.
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Wij helpen met schulden."), "debt-word"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Er staat 120,50 open."), "amount"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Het gaat om 80 euro."), "amount"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Uw verhuurder belde."), "creditor"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Bel ook Eneco."), "creditor"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", "Zie www.utrecht.nl."), "link"),
        (FIRST_BODY, NL_BODY.replace("U beslist zelf.", LONG_SENTENCE), "sentence-length"),
        (
            FIRST_BODY,
            NL_BODY.replace(
                "U beslist zelf.",
                "Gemeentelijke dienstverleningsprocedures vereisen inkomensverificatie.",
            ),
            "readability",
        ),
        (FIRST_BODY, NL_BODY.replace("\n\n", "\n"), "layout"),
        (FIRST_BODY, NL_BODY.replace("\n\n", "\n\n\n"), "layout"),
        (FIRST_BODY, NL_BODY + "\n\nWij zijn er voor u. Bel ons gerust." * 50, "length"),
        (FIRST_BODY, NL_BODY.replace("{telefoon}", "ons nummer"), "placeholders"),
        (FIRST_BODY, NL_BODY + " Het gaat om {bedrag}.", "placeholders"),
        (FIRST_BODY, NL_BODY + " Beste {naam}.", "placeholders"),  # not declared for the body
        # What the card and the letters share.
        ("letter.salutation", "Beste {naam}, over uw geld", "discreet"),
        ("letter.salutation", "Beste\n{naam},", "layout"),
        ("letter.closing", "Groet,\n\n{medewerker}\nGemeente {gemeente}", "layout"),
        ("letter.closing", "Groet,\n{medewerker}\nTeam Schuldhulp {gemeente}", "debt-word"),
        ("letter.closing", "Groet,\n{medewerker}\nTeam Geldzaken {gemeente}", "discreet"),
        ("letter.sms_note", "U kunt ook uw rekeningen per sms regelen.", "discreet"),
        ("card.visit.heading", "Hulp bij geldzorgen", "discreet"),
        (
            "card.visit.body",
            "Op {datum} kwamen wij langs, van de gemeente {gemeente}. Het gaat over geld."
            " Bel ons op {telefoon}.",
            "discreet",
        ),
        (
            "card.visit.body",
            "Op {datum} kwamen wij langs, van de gemeente {gemeente}. Bel ons op {telefoon}."
            + " Wij zijn er voor u." * 25,
            "length",
        ),
    ],
)
def test_a_letter_breaking_a_rule_is_reported(
    locales: Path, edit: Edit, key: str, bad: str, rule: str
) -> None:
    assert rule not in errors(check(locales), "nl", key)
    edit(locales, "nl", key, bad)
    assert rule in errors(check(locales), "nl", key)


def test_the_body_may_speak_of_money_worries_and_bills(locales: Path, edit: Edit) -> None:
    text = NL_BODY.replace("U beslist zelf.", "Bijvoorbeeld als rekeningen betalen lastig is.")
    edit(locales, "nl", FIRST_BODY, text)
    assert errors(check(locales), "nl", FIRST_BODY) == set()


@pytest.mark.parametrize(
    ("locale", "subject", "rule"),
    [
        ("en", "Help with your debts", "debt-word"),
        ("en", "Help with money and bills", "discreet"),
        ("tr", "Borç danışmanlığı", "debt-word"),
        ("tr", "Para ve fatura yardımı", "discreet"),
        ("pl", "Pomoc przy długach", "debt-word"),
        ("pl", "Pomoc z rachunkami", "discreet"),
        ("uk", "Допомога з боргами", "debt-word"),
        ("uk", "Допомога з оплатою рахунків", "discreet"),
        ("ar", "مساعدة في الديون", "debt-word"),
        ("ar", "مساعدة مالية", "discreet"),
        ("ar", "Gemeente: نساعدك", "rtl"),
    ],
)
def test_every_language_is_held_to_the_letter_rules(
    locales: Path, edit: Edit, locale: str, subject: str, rule: str
) -> None:
    key = "letter.after_visit.subject"
    assert errors(check(locales), locale, key) == set()
    edit(locales, locale, key, subject)
    assert rule in errors(check(locales), locale, key)


def test_length_counts_the_longest_values_and_accepts_real_ones(locales: Path, edit: Edit) -> None:
    # 64 letters around two names: too long with the longest municipality name (22 letters)
    # and signer (35), fine with Ede and a short name.
    closing = (
        "Met vriendelijke groet en tot snel, namens iedereen van ons team,\n{medewerker}\n"
        "Gemeente {gemeente}"
    )
    edit(locales, "nl", "letter.closing", closing)
    assert "length" in errors(check(locales), "nl", "letter.closing")
    short = {"gemeente": "Ede", "medewerker": "Ans"}
    assert "length" not in errors(check(locales, values=short), "nl", "letter.closing")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_need_the_same_placeholders(locales: Path, edit: Edit, locale: str) -> None:
    edit(locales, locale, "letter.after_visit.body", "{gemeente} {telefoon}")  # {datum} missing
    found = [
        f
        for f in check(locales).errors
        if f.locale == locale and f.key == "letter.after_visit.body"
    ]
    assert any(f.rule == "placeholders" and "{datum}" in f.message for f in found)


# ---------------------------------------------------------------- the code scan


def test_the_code_scan_ignores_other_render_methods(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "babel.cfg").write_text((usage.PROJECT_ROOT / "babel.cfg").read_text())
    (tmp_path / "printer.py").write_text(
        "class Renderer:\n"
        "    def blank(self, template):\n"
        "        self.render('<html><body></body></html>')\n"
        "        return template.render(css='', name='x')\n"
        "def letter(locale):\n"
        "    return render('letter.frist_contact.body', locale)\n"
    )
    found = [(u.key, u.line) for u in usage.keys_in_code(tmp_path)]
    assert found == [("letter.frist_contact.body", 6)]
    assert "Empty msgid" not in capfd.readouterr().err
