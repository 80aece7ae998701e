"""Dutch readability: syllables, sentences and Flesch-Douma."""

from __future__ import annotations

import pytest

from messages.readability import readability, sentences, syllables


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("u", 1),
        ("Stuur", 1),
        ("bellen", 2),
        ("geregeld", 3),
        ("bijvoorbeeld", 3),
        ("financiële", 5),
        ("geïnteresseerd", 5),
        ("leeuw", 1),
        ("14030", 1),
        ("schuldhulpverlening", 5),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_menu_lines_are_sentences() -> None:
    text = "Goedendag. Fijn!\nStuur 1 als we u mogen bellen.\nStuur 2 als u geen hulp wilt"
    assert sentences(text) == [
        "Goedendag.",
        "Fijn!",
        "Stuur 1 als we u mogen bellen.",
        "Stuur 2 als u geen hulp wilt",
    ]


def test_plain_dutch_scores_high_and_officialese_low() -> None:
    plain = readability("Wij denken graag met u mee. Dat is gratis. U beslist zelf.")
    official = readability(
        "Conform de gemeentelijke beleidsregels wordt uw aanvraag inzake"
        " financiële dienstverlening administratief beoordeeld."
    )
    assert plain.flesch_douma >= 80
    assert official.flesch_douma < 60


def test_longest_sentence() -> None:
    score = readability("Kort. Dit is een wat langere zin met acht woorden.")
    assert score.longest_sentence_words == 9
    assert score.longest_sentence == "Dit is een wat langere zin met acht woorden."
