"""Reach per experiment variant, with a 95 % confidence interval and a plain verdict.

Decisions:
- The interval is Wilson's score interval: unlike the textbook "p ± 1.96·se" it stays inside
  [0, 1] and behaves at small numbers and at 0 % or 100 % reach.
- Whether variants differ is a two-sided two-proportion z-test (pooled), the same as a 2×2
  chi-square test without continuity correction. Each variant is compared with the first
  (by name); with more than two variants the 5 % level is divided by the number of
  comparisons (Bonferroni), so "significant" keeps meaning the same. Overlapping intervals
  are not used as the rule: two 95 % intervals can overlap while the difference is
  significant.
- When a comparison has too few cases for the normal approximation (fewer than 5 expected
  reached or not-reached cases in a group) the verdict says so instead of guessing.

"Reached" is the monitor's own definition (`CaseFact.reached`); only the period's cases that
took part in an experiment count, each under the variant it was assigned when its outreach
started (`experiment_assignments`, no personal data).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from monitor.section import MonitorContext, Section, Value
from store.experiment_models import ExperimentAssignment
from store.models import table_of
from store.queries import member_of

assignments_t = table_of(ExperimentAssignment)

Z95: Final = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
ALPHA: Final = 0.05
MIN_EXPECTED: Final = 5
CHUNK: Final = 2000


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson's score interval for a proportion; [0, 1] when there are no cases."""
    if n == 0:
        return Interval(0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Comparison:
    p_value: float | None  # None: too few cases for the test
    significant: bool

    def verdict(self, level: float = ALPHA) -> str:
        if self.p_value is None:
            return "Te weinig zaken om te zeggen of het verschil echt is"
        shown = f"{self.p_value:.3f}".replace(".", ",")
        if self.significant:
            return f"Het verschil is significant (p = {shown})"
        return f"Het verschil is niet significant (p = {shown})"


def two_proportions(
    a_hits: int, a_n: int, b_hits: int, b_n: int, alpha: float = ALPHA
) -> Comparison:
    """Two-sided pooled two-proportion z-test."""
    if a_n == 0 or b_n == 0:
        return Comparison(None, False)
    pooled = (a_hits + b_hits) / (a_n + b_n)
    smallest = min(a_n, b_n) * min(pooled, 1 - pooled)
    if smallest < MIN_EXPECTED:
        return Comparison(None, False)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a_n + 1 / b_n))
    z = (a_hits / a_n - b_hits / b_n) / se
    p = math.erfc(abs(z) / math.sqrt(2))  # two-sided: 2 · (1 − Φ(|z|))
    return Comparison(p, p < alpha)


@dataclass(frozen=True)
class VariantReach:
    experiment: str
    variant: str
    cases: int
    reached: int

    @property
    def interval(self) -> Interval:
        return wilson(self.reached, self.cases)


@dataclass(frozen=True)
class ExperimentReach:
    name: str
    variants: tuple[VariantReach, ...]  # by name; the first is the reference

    def comparisons(self) -> dict[str, Comparison]:
        """Each variant but the first, compared with the first (Bonferroni-corrected)."""
        if len(self.variants) < 2:
            return {}
        first, others = self.variants[0], self.variants[1:]
        alpha = ALPHA / len(others)
        return {
            v.variant: two_proportions(first.reached, first.cases, v.reached, v.cases, alpha)
            for v in others
        }


def reach_per_variant(
    assigned: dict[int, tuple[str, str]], reached: dict[int, bool]
) -> list[ExperimentReach]:
    """`assigned`: case id → (experiment, variant); `reached`: case id → reached, for the
    period's cases."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for case_id, (experiment, variant) in assigned.items():
        if case_id not in reached:
            continue
        tally = counts[experiment][variant]
        tally[0] += 1
        tally[1] += int(reached[case_id])
    return [
        ExperimentReach(
            name,
            tuple(
                VariantReach(name, variant, n, hits)
                for variant, (n, hits) in sorted(variants.items())
            ),
        )
        for name, variants in sorted(counts.items())
    ]


async def reach_by_variant(ctx: MonitorContext) -> Section:
    """The monitor section (add to `monitor.report.SECTIONS`)."""
    cases = ctx.cohort.cases
    reached = {c.id: c.reached for c in cases}
    assigned: dict[int, tuple[str, str]] = {}
    ids = sorted(reached)
    for start in range(0, len(ids), CHUNK):
        rows = await ctx.conn.execute(
            select(
                assignments_t.c.case_id, assignments_t.c.experiment, assignments_t.c.variant
            ).where(member_of(assignments_t.c.case_id, "ids", ctx.conn)),
            {"ids": ids[start : start + CHUNK]},
        )
        assigned.update({case_id: (e, v) for case_id, e, v in rows})
    return section(reach_per_variant(assigned, reached))


def section(experiments: list[ExperimentReach]) -> Section:
    values: dict[str, Value] = {}
    labels: dict[str, str] = {}
    verdicts: list[str] = []
    for experiment in experiments:
        for v in experiment.variants:
            key = f"{experiment.name}.{v.variant}"
            interval = v.interval
            values[f"{key}.cases"] = v.cases
            values[f"{key}.reached"] = v.reached
            values[f"{key}.percent"] = round(100 * v.reached / v.cases, 1) if v.cases else None
            values[f"{key}.ci_low"] = round(100 * interval.low, 1) if v.cases else None
            values[f"{key}.ci_high"] = round(100 * interval.high, 1) if v.cases else None
            name = f"{experiment.name}, variant {v.variant}"
            labels[f"{key}.cases"] = f"{name}: zaken"
            labels[f"{key}.reached"] = f"{name}: bereikt"
            labels[f"{key}.percent"] = f"{name}: bereikt, %"
            labels[f"{key}.ci_low"] = f"{name}: 95%-interval, ondergrens %"
            labels[f"{key}.ci_high"] = f"{name}: 95%-interval, bovengrens %"
        reference = experiment.variants[0].variant
        for variant, comparison in experiment.comparisons().items():
            key = f"{experiment.name}.{variant}.p_value"
            values[key] = None if comparison.p_value is None else round(comparison.p_value, 4)
            verdict = f"{experiment.name}, {variant} tegenover {reference}: {comparison.verdict()}"
            labels[key] = verdict
            verdicts.append(verdict + ".")
    definition = (
        "Per variant van een experiment het aandeel bereikte zaken, met een "
        "95%-betrouwbaarheidsinterval (Wilson); een verschil is significant als een "
        "tweezijdige toets voor twee proporties p < 0,05 geeft."
    )
    if verdicts:
        definition += " " + " ".join(verdicts)
    elif not experiments:
        definition += " Er liep in deze periode geen experiment."
    return Section(
        "reach_by_variant",
        "Bereik per variant (experimenten)",
        definition,
        values,
        unit="zaken",
        labels=labels,
        chart=False,
    )
