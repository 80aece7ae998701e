"""The confidence intervals and the significance verdict, checked against known values."""

from __future__ import annotations

import pytest

from monitor.experiments import ExperimentReach, VariantReach, section, two_proportions, wilson


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [
        (50, 100, 0.4038, 0.5962),  # the textbook example
        (0, 10, 0.0, 0.2775),  # nobody reached: no negative lower bound
        (10, 10, 0.7225, 1.0),  # everybody reached: no bound above 1
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Stat. Med. 17:857, method 3
    ],
)
def test_wilson_interval(hits: int, n: int, low: float, high: float) -> None:
    interval = wilson(hits, n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_two_proportion_test_matches_a_chi_square_without_correction() -> None:
    # R: prop.test(c(45, 60), c(100, 100), correct = FALSE) → X² = 4.5113, p = 0.03367
    significant = two_proportions(45, 100, 60, 100)
    assert significant.p_value == pytest.approx(0.03367, abs=5e-5) and significant.significant
    # R: prop.test(c(50, 55), c(100, 100), correct = FALSE) → X² = 0.50125, p = 0.4790
    plain = two_proportions(50, 100, 55, 100)
    assert plain.p_value == pytest.approx(0.4790, abs=5e-4) and not plain.significant
    assert plain.verdict() == "Het verschil is niet significant (p = 0,479)"
    # Too few cases for the normal approximation: no verdict either way.
    assert two_proportions(1, 8, 3, 8).p_value is None
    assert "Te weinig zaken" in two_proportions(1, 8, 3, 8).verdict()


def test_the_section_says_plainly_whether_a_difference_is_significant() -> None:
    result = section(
        [
            ExperimentReach(
                "herinnering",
                (
                    VariantReach("herinnering", "drie_dagen", 100, 45),
                    VariantReach("herinnering", "vijf_dagen", 100, 60),
                ),
            ),
            ExperimentReach(
                "eerste_sms",
                (
                    VariantReach("eerste_sms", "gewoon", 100, 50),
                    VariantReach("eerste_sms", "kort", 100, 55),
                ),
            ),
        ]
    )
    assert result.values["eerste_sms.gewoon.ci_low"] == 40.4
    assert result.values["eerste_sms.gewoon.ci_high"] == 59.6
    assert result.values["herinnering.vijf_dagen.percent"] == 60.0
    assert "herinnering, vijf_dagen tegenover drie_dagen: Het verschil is significant" in (
        result.definition
    )
    assert "eerste_sms, kort tegenover gewoon: Het verschil is niet significant" in (
        result.definition
    )
    assert result.to_json()["labels"]["eerste_sms.kort.p_value"].endswith("(p = 0,479)")


def test_three_variants_are_each_compared_with_the_first_at_a_stricter_level() -> None:
    three = ExperimentReach(
        "x",
        (
            VariantReach("x", "a", 100, 45),
            VariantReach("x", "b", 100, 60),  # p = 0.034: not below 0.05 / 2
            VariantReach("x", "c", 100, 45),
        ),
    )
    comparisons = three.comparisons()
    assert set(comparisons) == {"b", "c"}
    assert not comparisons["b"].significant and comparisons["c"].p_value == pytest.approx(1.0)
