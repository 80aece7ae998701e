"""What a resident gets: the right language, only reviewed text, values filled in."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

import polib
import pytest

from messages import (
    MessageError,
    build,
    catalog,
    configure,
    format_date,
    render,
    render_detail,
)
from messages.keys import KEYS
from messages.render import FSI, LRI, PDI

Edit = Callable[..., None]


class City(TypedDict):
    gemeente: str
    telefoon: str


CITY: City = {"gemeente": "Utrecht", "telefoon": "14 030"}
WEDNESDAY = dt.date(2026, 9, 16)


def test_dutch_first_contact_names_the_municipality_and_its_number() -> None:
    text = render("sms.first_contact", "nl", **CITY)
    assert text.startswith("Gemeente Utrecht: ")
    assert "14 030" in text and "U beslist zelf" in text
    assert "Stuur 1" in text and "Stuur 2" in text and "Stuur 3" in text
    assert "{" not in text


def test_english_is_reviewed_and_used() -> None:
    detail = render_detail("sms.first_contact", "en", **CITY)
    assert detail.locale == "en" and not detail.fallback
    assert detail.text.startswith("Municipality of Utrecht: ")
    assert (detail.encoding, detail.segments) == ("GSM-7", 2)


def test_a_text_that_needs_review_is_not_sent_the_resident_gets_dutch() -> None:
    detail = render_detail("sms.first_contact", "tr", **CITY)
    assert detail.locale == "nl" and detail.requested_locale == "tr" and detail.fallback
    assert detail.text == render("sms.first_contact", "nl", **CITY)


def test_the_second_fallback_is_configurable() -> None:
    configure(fallbacks=["en"])
    assert render_detail("sms.first_contact", "uk", **CITY).locale == "en"


def test_draft_preview_shows_the_unreviewed_translation() -> None:
    detail = render_detail("sms.first_contact", "tr", draft=True, **CITY)
    assert detail.locale == "tr" and "Belediyesi" in detail.text


@pytest.mark.parametrize(
    ("asked", "used"), [(None, "nl"), ("xx", "nl"), ("en_GB", "en"), ("EN-us", "en"), ("nl", "nl")]
)
def test_locale_names_are_normalised(asked: str | None, used: str) -> None:
    assert render_detail("sms.menu", asked, **CITY).locale == used


def test_a_missing_value_is_a_clear_error() -> None:
    with pytest.raises(MessageError, match=r"sms.first_contact needs a value for \{telefoon\}"):
        render("sms.first_contact", "nl", gemeente="Utrecht")


def test_an_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(MessageError, match="unknown message key"):
        render("sms.does_not_exist", "nl", **CITY)


def test_extra_values_are_ignored() -> None:
    assert render("sms.menu", "nl", **CITY, code="X", n=3).startswith("Gemeente Utrecht")


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "Over 1 werkdag bellen"), (3, "Over 3 werkdagen bellen")]
)
def test_dutch_plural(n: int, expected: str) -> None:
    assert expected in render("sms.after_missed_call", "nl", n=n, **CITY)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 dzień roboczy"), (3, "3 dni robocze"), (5, "5 dni roboczych"), (22, "22 dni robocze")],
)
def test_polish_plural_forms(n: int, expected: str) -> None:
    assert expected in render_detail("sms.after_missed_call", "pl", draft=True, n=n, **CITY).text


def test_arabic_dual_form() -> None:
    text = render_detail("sms.after_missed_call", "ar", draft=True, n=2, **CITY).text
    assert "يومي عمل" in text


@pytest.mark.parametrize("n", [None, "3", 2.5, True])
def test_plural_texts_need_a_whole_number(n: object) -> None:
    values = dict(CITY) if n is None else {**CITY, "n": n}
    with pytest.raises(MessageError, match=r"\{n\}"):
        render("sms.after_missed_call", "nl", **values)


def test_dates_are_written_in_the_language_actually_used() -> None:
    values = {**CITY, "datum": WEDNESDAY, "dagdeel": "avond"}
    assert "Op woensdag 16 september 2026 komen we" in render(
        "sms.home_visit_announce", "nl", **values
    )
    english = render("sms.home_visit_announce", "en", **values)
    assert "On Wednesday, 16 September 2026 we will visit you, in the evening." in english
    # Turkish is not reviewed yet: the whole text, date included, is Dutch.
    assert "woensdag 16 september 2026" in render("sms.home_visit_announce", "tr", **values)


def test_format_date() -> None:
    assert format_date(WEDNESDAY, "nl") == "woensdag 16 september 2026"
    assert format_date(dt.datetime(2026, 9, 16, 10, 0), "pl") == "środa, 16 września 2026"


def test_a_date_must_be_a_date() -> None:
    with pytest.raises(MessageError, match="needs a date"):
        render("sms.home_visit_announce", "nl", datum="morgen", dagdeel="avond", **CITY)


def test_dayparts_are_translated_and_checked() -> None:
    assert "in the afternoon" in render("sms.callback.confirmed", "en", dagdeel="middag", **CITY)
    assert "in de avond" in render("sms.callback.confirmed", "nl", dagdeel="Avond", **CITY)
    with pytest.raises(MessageError, match="ochtend, middag, avond"):
        render("sms.callback.confirmed", "nl", dagdeel="nacht", **CITY)


def test_a_reviewed_text_is_not_mixed_with_an_unreviewed_word(locales: Path, edit: Edit) -> None:
    edit(locales, "tr", "sms.callback.confirmed", fuzzy=False)
    edit(locales, "tr", "word.dagdeel.ochtend", fuzzy=False)
    ok = render_detail(
        "sms.callback.confirmed", "tr", locales_dir=locales, dagdeel="ochtend", **CITY
    )
    assert ok.locale == "tr" and "sabah" in ok.text
    # "avond" is still unreviewed in Turkish: rather all Dutch than a Dutch word in Turkish.
    mixed = render_detail(
        "sms.callback.confirmed", "tr", locales_dir=locales, dagdeel="avond", **CITY
    )
    assert mixed.locale == "nl" and "in de avond" in mixed.text


def test_arabic_keeps_latin_values_readable_inside_right_to_left_text(
    locales: Path, edit: Edit
) -> None:
    edit(locales, "ar", "sms.first_contact", fuzzy=False)
    detail = render_detail("sms.first_contact", "ar", locales_dir=locales, **CITY)
    assert detail.locale == "ar" and detail.encoding == "UCS-2"
    assert detail.text.startswith("بلدية " + FSI + "Utrecht" + PDI)
    assert LRI + "14 030" + PDI in detail.text
    assert detail.segments <= 2


def test_works_without_compiled_files_and_with_them(locales: Path) -> None:
    assert not list(locales.glob("*/LC_MESSAGES/*.mo"))
    before = render("sms.first_contact", "en", **CITY)
    configure(locales_dir=locales)
    assert render("sms.first_contact", "en", **CITY) == before
    build.compile_all(locales)
    assert render("sms.first_contact", "en", **CITY) == before
    assert render_detail("sms.first_contact", "tr", **CITY).locale == "nl"


def test_compiled_files_leave_out_texts_that_need_review(locales: Path) -> None:
    build.compile_all(locales)
    tr = polib.mofile(str(catalog.mo_path(locales, "tr")))
    en = polib.mofile(str(catalog.mo_path(locales, "en")))
    assert [e.msgctxt for e in tr if e.msgctxt] == []
    assert len([e for e in en if e.msgctxt]) == len(KEYS)


def test_an_edited_catalogue_is_used_without_a_restart(locales: Path) -> None:
    configure(locales_dir=locales)
    build.compile_all(locales)
    old = render("sms.start", "nl", **CITY)
    path = catalog.po_path(locales, "nl")
    po = polib.pofile(str(path))
    po.find("sms.start", by="msgctxt").msgstr = "Gemeente {gemeente}: Welkom terug. Bel {telefoon}."
    po.save(str(path))
    mo = catalog.mo_path(locales, "nl")
    os.utime(mo, (mo.stat().st_atime - 60, mo.stat().st_mtime - 60))  # the .mo is now stale
    assert old != "Gemeente Utrecht: Welkom terug. Bel 14 030."
    # The cache notices the changed file (stat), as another process would: no clear_cache().
    assert render("sms.start", "nl", **CITY) == "Gemeente Utrecht: Welkom terug. Bel 14 030."


def test_a_municipality_override_wins(tmp_path: Path) -> None:
    override = tmp_path / "override"
    po = build._new_catalogue("nl")
    po.append(
        polib.POEntry(
            msgctxt="sms.start", msgid="x", msgstr="{gemeente} hier: fijn dat u er weer bent."
        )
    )
    path = catalog.po_path(override, "nl")
    path.parent.mkdir(parents=True)
    po.save(str(path))
    configure(override_dir=override)
    assert render("sms.start", "nl", **CITY) == "Utrecht hier: fijn dat u er weer bent."
    assert render("sms.menu", "nl", **CITY).startswith("Gemeente Utrecht")
