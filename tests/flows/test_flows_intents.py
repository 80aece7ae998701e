"""Reply intents in all six catalogue languages."""

from __future__ import annotations

import pytest

from flows import IntentKind, parse_intent
from flows.intents import normalize

K = IntentKind

# (text, expecting, kind, value) per language; every kind appears in every language.
CASES: dict[str, list[tuple[str, str | None, IntentKind, str | None]]] = {
    "nl": [
        ("1", None, K.MENU_CALL, None),
        ("2", None, K.MENU_NO_THANKS, None),
        ("3", None, K.MENU_ARRANGED, None),
        ("Bel me maar", None, K.MENU_CALL, None),
        ("bel mij 's avonds", None, K.MENU_CALL, "Avond"),
        ("Nee bedankt", None, K.MENU_NO_THANKS, None),
        ("Ik heb al betaald", None, K.MENU_ARRANGED, None),
        ("'s ochtends", "daypart", K.DAYPART, "Ochtend"),
        ("ochtend", "daypart", K.DAYPART, "Ochtend"),
        ("morgens", "daypart", K.DAYPART, "Ochtend"),
        ("s morgens", "daypart", K.DAYPART, "Ochtend"),
        ("morgenochtend", "daypart", K.DAYPART, "Ochtend"),
        ("'s middags", "daypart", K.DAYPART, "Middag"),
        ("Avond graag", "daypart", K.DAYPART, "Avond"),
        ("ja", None, K.YES, None),
        ("nee", None, K.NO, None),
        ("STOP", None, K.STOP, None),
        ("stoppen", None, K.STOP, None),
        ("START", None, K.START, None),
        ("HELP", None, K.HELP, None),
        ("INFO", None, K.HELP, None),
        ("Nederlands", None, K.LANGUAGE, "nl"),
        ("nl", None, K.LANGUAGE, "nl"),
    ],
    "en": [
        ("call me", None, K.MENU_CALL, None),
        ("Please call me in the afternoon", None, K.MENU_CALL, "Middag"),
        ("no thanks", None, K.MENU_NO_THANKS, None),
        ("already paid", None, K.MENU_ARRANGED, None),
        ("morning", "daypart", K.DAYPART, "Ochtend"),
        ("afternoon", "daypart", K.DAYPART, "Middag"),
        ("in the evening", "daypart", K.DAYPART, "Avond"),
        ("yes", None, K.YES, None),
        ("no", None, K.NO, None),
        ("UNSUBSCRIBE", None, K.STOP, None),
        ("stop all", None, K.STOP, None),
        ("start", None, K.START, None),
        ("help", None, K.HELP, None),
        ("English", None, K.LANGUAGE, "en"),
        ("en", None, K.LANGUAGE, "en"),
    ],
    "tr": [
        ("beni arayın", None, K.MENU_CALL, None),
        ("hayır teşekkürler", None, K.MENU_NO_THANKS, None),
        ("ödedim", None, K.MENU_ARRANGED, None),
        ("sabah", "daypart", K.DAYPART, "Ochtend"),
        ("öğleden sonra", "daypart", K.DAYPART, "Middag"),
        ("akşam", "daypart", K.DAYPART, "Avond"),
        ("evet", None, K.YES, None),
        ("HAYIR", None, K.NO, None),
        ("dur", None, K.STOP, None),
        ("başla", None, K.START, None),
        ("yardım", None, K.HELP, None),
        ("Türkçe", None, K.LANGUAGE, "tr"),
        ("TÜRKÇE", None, K.LANGUAGE, "tr"),
    ],
    "ar": [
        ("اتصل بي", None, K.MENU_CALL, None),
        ("لا شكرا", None, K.MENU_NO_THANKS, None),
        ("دفعت", None, K.MENU_ARRANGED, None),
        ("صباحاً", "daypart", K.DAYPART, "Ochtend"),
        ("بعد الظهر", "daypart", K.DAYPART, "Middag"),
        ("مساءً", "daypart", K.DAYPART, "Avond"),
        ("نعم", None, K.YES, None),
        ("لا", None, K.NO, None),
        ("توقف", None, K.STOP, None),
        ("ابدأ", None, K.START, None),
        ("مساعدة", None, K.HELP, None),
        ("العربية", None, K.LANGUAGE, "ar"),
        ("١", None, K.MENU_CALL, None),  # Arabic-Indic digit one
        ("٣", None, K.MENU_ARRANGED, None),
    ],
    "pl": [
        ("zadzwońcie", None, K.MENU_CALL, None),
        ("nie dziękuję", None, K.MENU_NO_THANKS, None),
        ("zapłaciłam", None, K.MENU_ARRANGED, None),
        ("rano", "daypart", K.DAYPART, "Ochtend"),
        ("po południu", "daypart", K.DAYPART, "Middag"),
        ("wieczorem", "daypart", K.DAYPART, "Avond"),
        ("tak", None, K.YES, None),
        ("nie", None, K.NO, None),
        ("koniec", None, K.STOP, None),
        ("wznów", None, K.START, None),
        ("pomoc", None, K.HELP, None),
        ("Polski", None, K.LANGUAGE, "pl"),
    ],
    "uk": [
        ("зателефонуйте мені", None, K.MENU_CALL, None),
        ("ні, дякую", None, K.MENU_NO_THANKS, None),
        ("вже сплачено", None, K.MENU_ARRANGED, None),
        ("вранці", "daypart", K.DAYPART, "Ochtend"),
        ("після обіду", "daypart", K.DAYPART, "Middag"),
        ("ввечері", "daypart", K.DAYPART, "Avond"),
        ("так", None, K.YES, None),
        ("ні", None, K.NO, None),
        ("СТОП", None, K.STOP, None),
        ("старт", None, K.START, None),
        ("допомога", None, K.HELP, None),
        ("Українська", None, K.LANGUAGE, "uk"),
    ],
}

ALL = [(lang, *case) for lang, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("lang", "text", "expecting", "kind", "value"), ALL)
def test_every_intent_in_every_language(
    lang: str, text: str, expecting: str | None, kind: IntentKind, value: str | None
) -> None:
    intent = parse_intent(text, expecting)
    assert (intent.kind, intent.value) == (kind, value)


@pytest.mark.parametrize("lang", CASES)
def test_every_language_covers_every_kind(lang: str) -> None:
    kinds = {case[2] for case in CASES[lang]}
    assert kinds >= set(IntentKind) - {K.UNKNOWN}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("nee bedankt", "nl"),
        ("evet", "tr"),
        ("wieczorem", "pl"),
        ("ввечері", "uk"),
        ("نعم", "ar"),
        ("no thanks", "en"),
        ("Türkçe", "tr"),
    ],
)
def test_detects_the_language_when_the_word_is_unambiguous(text: str, language: str) -> None:
    assert parse_intent(text).language == language


def test_no_language_for_words_shared_by_languages() -> None:
    assert parse_intent("ok").language is None  # nl, en, pl
    assert parse_intent("1").language is None


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop",
        " stop ",
        "STOP!",
        "stop.",
        "S T O P".replace(" ", ""),
        "STOPPEN",
        "Stop all",
        "STOPALL",
        "unsubscribe",
        "UNSUBSCRIBE!!",
        "stop please",
        "please stop",
        "Stop met die berichten, ik wil dit niet meer ontvangen",
        "stop met sms",
        "  StOp  !? ",
    ],
)
def test_stop_in_any_case_spacing_or_punctuation(text: str) -> None:
    assert parse_intent(text).kind is K.STOP
    assert parse_intent(text, "daypart").kind is K.STOP


def test_stop_wins_over_a_menu_digit() -> None:
    assert parse_intent("1 stop").kind is K.STOP


def test_stop_inside_a_long_story_goes_to_a_person() -> None:
    # Only short messages or ones that open with STOP are opt-outs; a story is read by a person.
    text = "mijn man zegt dat ik moet stoppen met betalen van de huur wat nu"
    assert parse_intent(text).kind is K.UNKNOWN


def test_weak_stop_words_only_in_short_messages() -> None:
    assert parse_intent("end").kind is K.STOP
    assert parse_intent("at the end of the month i will pay everything").kind is not K.STOP


@pytest.mark.parametrize("text", ["morgen", "Morgen", "morgen?", "morgen graag"])
def test_dutch_morgen_alone_is_not_a_daypart(text: str) -> None:
    # 'morgen' is "tomorrow" as much as "morning": never guessed.
    assert parse_intent(text, "daypart").kind is not K.DAYPART


@pytest.mark.parametrize(
    ("text", "value"),
    [("morgen 's avonds", "Avond"), ("morgenmiddag", "Middag"), ("morgen ochtend", "Ochtend")],
)
def test_morgen_with_a_daypart_is_that_daypart(text: str, value: str) -> None:
    assert parse_intent(text, "daypart") == parse_intent(text, "daypart").__class__(
        K.DAYPART, value, "nl"
    )


def test_greetings_are_not_dayparts() -> None:
    assert parse_intent("Goedemorgen").kind is K.UNKNOWN
    assert parse_intent("good evening, who is this?").kind is K.UNKNOWN
    assert parse_intent("Добрий день").kind is K.UNKNOWN
    assert parse_intent("Goedemorgen, bel me maar 's middags").value == "Middag"


@pytest.mark.parametrize(
    "text",
    [
        "bel me niet",
        "ik heb nog niet betaald",
        "I have not paid yet",
        "don't call me",
        "nie zapłaciłem",
    ],
)
def test_negated_choices_go_to_a_person(text: str) -> None:
    assert parse_intent(text).kind is K.UNKNOWN


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1.", K.MENU_CALL),
        ("optie 1", K.MENU_CALL),
        ("1!!", K.MENU_CALL),
        ("keuze 2", K.MENU_NO_THANKS),
        (" 3 ", K.MENU_ARRANGED),
        ("ik kies 1", K.MENU_CALL),
        ("1 2", K.UNKNOWN),
        ("4", K.UNKNOWN),
        ("0612345678", K.UNKNOWN),
        ("ik ben 3 weken op vakantie geweest en nu terug", K.UNKNOWN),
    ],
)
def test_menu_digits(text: str, kind: IntentKind) -> None:
    assert parse_intent(text, "menu").kind is kind


def test_a_call_choice_can_carry_its_daypart() -> None:
    intent = parse_intent("1, 's avonds graag", "menu")
    assert (intent.kind, intent.value) == (K.MENU_CALL, "Avond")


@pytest.mark.parametrize(("digit", "value"), [("1", "Ochtend"), ("2", "Middag"), ("3", "Avond")])
def test_digits_pick_a_daypart_when_a_daypart_was_asked(digit: str, value: str) -> None:
    assert parse_intent(digit, "daypart").value == value
    assert parse_intent(digit, "daypart").kind is K.DAYPART


@pytest.mark.parametrize(
    "text", ["", "   ", "?!", "wie is dit?", "Goedemorgen", "🙂", "ik snap het niet"]
)
def test_unknown(text: str) -> None:
    assert parse_intent(text).kind is K.UNKNOWN


def test_language_codes_only_count_as_the_whole_message() -> None:
    assert parse_intent("en").kind is K.LANGUAGE
    assert parse_intent("ja en nee").kind is not K.LANGUAGE
    assert parse_intent("in het Engels graag").value == "en"


def test_normalize() -> None:
    assert normalize("  STOP!!  ") == "stop"
    assert normalize("'s Ochtends") == "s ochtends"
    assert normalize("optie1") == "optie 1"
    assert normalize("١٢٣") == "123"
    assert normalize("İSTANBUL") == "istanbul"
    assert normalize("مَساءً") == "مساء"
