"""The monitor's figures, one function per section. Each reads the period's cohort only.

Signals are counted by the day they were received; cases, attempts and results are those of
the period's signals (see `monitor.cohort`).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable

from flows.ddas import HUISBEZOEK, KAARTJE, SMS, TELEFOON
from monitor.cohort import CaseFact
from monitor.section import MonitorContext, Section, Value, percent

PATTERNS = ("enkelvoudig", "meervoudig", "opeenvolgend")
# Methods in the order the default ladder uses them; other DDAS kinds follow if they occur.
METHODS = (SMS, TELEFOON, HUISBEZOEK, KAARTJE)
ATTEMPT_BUCKETS = ("1", "2", "3", "4+")


def _methods(present: Iterable[str]) -> list[str]:
    extra = sorted(set(present) - set(METHODS))
    return [*METHODS, *extra]


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; ties alphabetically, so the order never wobbles."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def signals_received(ctx: MonitorContext) -> Section:
    by_partner = Counter(s.partner_type for s in ctx.cohort.signals)
    values: dict[str, Value] = {"total": len(ctx.cohort.signals)}
    values.update(_by_count(by_partner))
    return Section(
        "signals_received",
        "Ontvangen signalen",
        "Vroegsignalen die de gemeente in de periode ontving (de dag van inlezen), in totaal "
        "en per soort signaalpartner.",
        values,
        unit="signalen",
        labels={"total": "Totaal"},
    )


def signals_per_1000(ctx: MonitorContext) -> Section:
    months = ctx.cohort.period.months
    inhabitants = ctx.inhabitants

    def rate(count: int) -> Value:
        if not inhabitants:
            return None
        return round(count / inhabitants * 1000 / months, 2)

    by_partner = Counter(s.partner_type for s in ctx.cohort.signals)
    values: dict[str, Value] = {"total": rate(len(ctx.cohort.signals))}
    for partner, count in _by_count(by_partner):
        values[partner] = rate(count)
    known = (
        f"{inhabitants:,} inwoners".replace(",", ".")
        if inhabitants
        else "aantal inwoners onbekend: stel [gemeente] inwoners in"
    )
    return Section(
        "signals_per_1000_inhabitants_per_month",
        "Signalen per 1.000 inwoners per maand",
        f"Ontvangen signalen gedeeld door het aantal inwoners, maal 1.000, gedeeld door de "
        f"lengte van de periode in maanden ({months:.2f} maanden; {known}).",
        values,
        unit="per 1.000 inwoners per maand",
        labels={"total": "Totaal"},
    )


def became_case(ctx: MonitorContext) -> Section:
    total = len(ctx.cohort.signals)
    with_case = sum(1 for s in ctx.cohort.signals if s.case_id is not None)
    return Section(
        "became_case",
        "Signalen die een zaak werden",
        "Deel van de ontvangen signalen dat bij een vroegsignaalzaak hoort: een nieuwe zaak, "
        "of een lopende zaak voor hetzelfde adres.",
        {"signals": total, "became_case": with_case, "percent": percent(with_case, total)},
        unit="signalen",
        labels={"signals": "Ontvangen", "became_case": "Werd een zaak", "percent": "Aandeel (%)"},
        chart=False,
    )


def suppressed(ctx: MonitorContext) -> Section:
    reasons = Counter(
        s.suppressed_reason for s in ctx.cohort.signals if s.suppressed_reason is not None
    )
    values: dict[str, Value] = {"total": sum(reasons.values())}
    values.update(_by_count(reasons))
    return Section(
        "suppressed",
        "Onderdrukte signalen",
        "Ontvangen signalen waarvoor bewust geen zaak werd geopend, met de reden; ze zijn wel "
        "bewaard en geteld.",
        values,
        unit="signalen",
        labels={"total": "Totaal"},
    )


def cases_by_pattern(ctx: MonitorContext) -> Section:
    patterns = Counter(c.pattern for c in ctx.cohort.cases)
    values: dict[str, Value] = {"total": len(ctx.cohort.cases)}
    values.update((name, patterns[name]) for name in PATTERNS)
    return Section(
        "cases_by_pattern",
        "Zaken per patroon",
        "Zaken van de signalen uit de periode: meervoudig als een van die signalen meervoudig "
        "is (een andere partner, zelfde adres, zelfde maand), anders opeenvolgend als er een "
        "signaal in de 6 maanden ervoor was, anders enkelvoudig.",
        values,
        unit="zaken",
        labels={"total": "Totaal"},
    )


def reached(ctx: MonitorContext) -> Section:
    cases = ctx.cohort.cases
    tried = sum(1 for c in cases if c.attempts)
    hit = sum(1 for c in cases if c.reached)
    return Section(
        "reached",
        "Bereikt",
        "Een zaak is bereikt als een contactpoging vanaf het signaal de inwoner bereikte "
        "(DDAS 'bereikt'): de inwoner antwoordde op een sms- of chatbericht, of een "
        "telefoongesprek of huisbezoek gaf contact.",
        {
            "cases": len(cases),
            "attempted": tried,
            "reached": hit,
            "percent_of_cases": percent(hit, len(cases)),
            "percent_of_attempted": percent(hit, tried),
        },
        unit="zaken",
        labels={
            "cases": "Zaken",
            "attempted": "Met een contactpoging",
            "reached": "Bereikt",
            "percent_of_cases": "Bereikt, % van de zaken",
            "percent_of_attempted": "Bereikt, % van de zaken met een poging",
        },
        chart=False,
    )


def reached_by_method(ctx: MonitorContext) -> Section:
    firsts = Counter(c.first_contact.soort for c in ctx.cohort.cases if c.first_contact)
    return Section(
        "reached_by_method",
        "Bereikt per contactsoort",
        "Bereikte zaken naar de soort van de eerste contactpoging die de inwoner bereikte "
        "(sms en chat samen als SMS/Whatsapp, zoals DDAS ze telt).",
        {m: firsts[m] for m in _methods(firsts)},
        unit="zaken",
    )


def attempts_by_method(ctx: MonitorContext) -> Section:
    kinds = Counter(a.soort for c in ctx.cohort.cases for a in c.attempts)
    values: dict[str, Value] = {"total": sum(kinds.values())}
    values.update((m, kinds[m]) for m in _methods(kinds))
    return Section(
        "attempts_by_method",
        "Contactpogingen per soort",
        "Alle contactpogingen bij de zaken van de periode vanaf het signaal, per DDAS-"
        "contactsoort (een sms of chatbericht telt zodra het is afgeleverd).",
        values,
        unit="pogingen",
        labels={"total": "Totaal"},
    )


def _bucket(number: int) -> str:
    return str(number) if number < 4 else "4+"


def reached_by_attempts(ctx: MonitorContext) -> Section:
    counts = Counter(_bucket(c.attempts_until_contact) for c in ctx.cohort.cases if c.reached)
    return Section(
        "reached_by_attempts",
        "Bereikt na hoeveel pogingen",
        "Bereikte zaken naar het aantal contactpogingen tot en met de poging die de inwoner "
        "bereikte.",
        {b: counts[b] for b in ATTEMPT_BUCKETS},
        unit="zaken",
        labels={b: f"{b} poging{'' if b == '1' else 'en'}" for b in ATTEMPT_BUCKETS},
    )


def reach_rate_by_attempts(ctx: MonitorContext) -> Section:
    tried = [c for c in ctx.cohort.cases if c.attempts]
    totals = Counter(_bucket(c.attempts_until_contact) for c in tried)
    hits = Counter(_bucket(c.attempts_until_contact) for c in tried if c.reached)
    return Section(
        "reach_rate_by_attempts",
        "Bereik naar aantal pogingen",
        "Deel van de zaken met minstens één poging dat bereikt werd, naar het aantal pogingen: "
        "tot en met het eerste contact, of alle pogingen als er geen contact kwam.",
        {b: percent(hits[b], totals[b]) for b in ATTEMPT_BUCKETS},
        unit="%",
        labels={b: f"{b} poging{'' if b == '1' else 'en'}" for b in ATTEMPT_BUCKETS},
    )


def nearest_rank(values: list[int], share: float) -> int | None:
    """The smallest value with at least `share` of all values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _durations(name: str, title: str, what: str, days: list[int]) -> Section:
    return Section(
        name,
        title,
        f"Kalenderdagen van de dag dat het eerste signaal van de zaak in de periode binnenkwam "
        f"tot de dag van {what}; mediaan en 90e percentiel (nearest rank) over de zaken waarbij "
        f"dat gebeurde.",
        {
            "cases": len(days),
            "median_days": statistics.median(days) if days else None,
            "p90_days": nearest_rank(days, 0.9),
        },
        unit="dagen",
        labels={"cases": "Zaken", "median_days": "Mediaan (dagen)", "p90_days": "P90 (dagen)"},
        chart=False,
    )


def _days(cases: Iterable[CaseFact], contact: bool) -> list[int]:
    out = []
    for case in cases:
        attempt = case.first_contact if contact else case.first_attempt
        if attempt is not None:
            out.append((attempt.datum - case.start).days)
    return out


def time_to_first_attempt(ctx: MonitorContext) -> Section:
    return _durations(
        "time_to_first_attempt",
        "Tijd tot de eerste contactpoging",
        "de eerste contactpoging",
        _days(ctx.cohort.cases, contact=False),
    )


def time_to_first_contact(ctx: MonitorContext) -> Section:
    return _durations(
        "time_to_first_contact",
        "Tijd tot het eerste contact",
        "de eerste contactpoging die de inwoner bereikte",
        _days(ctx.cohort.cases, contact=True),
    )


def crisis_deadlines(ctx: MonitorContext) -> Section:
    met = missed = pending = 0
    crises = [c for c in ctx.cohort.cases if c.crisis and c.deadline is not None]
    for case in crises:
        assert case.deadline is not None
        first = case.first_attempt
        if first is not None:
            if first.datum <= case.deadline:
                met += 1
            else:
                missed += 1
        elif ctx.today > case.deadline:
            missed += 1
        else:
            pending += 1
    return Section(
        "crisis_deadlines",
        "Crisistermijn gehaald",
        "Crisiszaken waarvan de eerste contactpoging op of vóór hun termijn viel (Wgs art. 4; "
        "standaard 3 werkdagen); 'nog lopend' heeft nog geen poging en de termijn is niet "
        "voorbij.",
        {
            "crisis_cases": len(crises),
            "met": met,
            "missed": missed,
            "pending": pending,
            "percent_met": percent(met, met + missed),
        },
        unit="zaken",
        labels={
            "crisis_cases": "Crisiszaken",
            "met": "Gehaald",
            "missed": "Niet gehaald",
            "pending": "Nog lopend",
            "percent_met": "Gehaald, % van de afgelopen termijnen",
        },
        chart=False,
    )


def opt_outs(ctx: MonitorContext) -> Section:
    channels = ctx.cohort.opt_outs
    values: dict[str, Value] = {"total": sum(channels.values())}
    values.update((name, channels[name]) for name in sorted({"sms", "telegram", *channels}))
    return Section(
        "opt_outs",
        "Afmeldingen",
        "Afmeldingen voor automatische berichten (STOP, of een blokkade gemeld door het kanaal) "
        "die in de periode zijn vastgelegd en nog gelden.",
        values,
        unit="afmeldingen",
        labels={
            "total": "Totaal",
            "sms": "Sms",
            "whatsapp": "WhatsApp",
            "telegram": "Chat (Telegram)",
        },
    )


def results(ctx: MonitorContext) -> Section:
    cases = ctx.cohort.cases
    codes = Counter(c.closed_result for c in cases if c.closed_result)
    values: dict[str, Value] = {"total": len(cases), "open": len(cases) - sum(codes.values())}
    values.update(_by_count(codes))
    return Section(
        "results",
        "Resultaten per DDAS-code",
        "Zaken van de periode naar hun DDAS-eindresultaat zoals nu vastgelegd; 'open' heeft nog "
        "geen eindresultaat.",
        values,
        unit="zaken",
        labels={"total": "Totaal", "open": "Nog open"},
    )
