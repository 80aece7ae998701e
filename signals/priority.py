"""Priority of a case: a sum of configurable rules (`[priority]`, `app/defaults.toml`), each
with a Dutch reason that caseworkers see, so the order is never a black box."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from clock import Calendar

PARTNER_REASONS = {
    "Huur": "Huurachterstand",
    "Hypotheek": "Hypotheekachterstand",
    "Energie": "Energieachterstand",
    "Water": "Waterachterstand",
    "Zorg": "Achterstand zorgverzekering",
    "CAK Zorgverzekeringen": "Achterstand zorgverzekering (CAK)",
    "CAK Eigen bijdrage": "Achterstand eigen bijdrage (CAK)",
    "DUO": "Achterstand DUO",
    "Belastingdienst": "Achterstand Belastingdienst",
    "Dienst Toeslagen": "Achterstand Dienst Toeslagen",
    "Overige": "Overige achterstand",
}


class CaseSignal(NamedTuple):
    """What scoring reads of one counting signal of a case. A named tuple: made once or twice
    per signal, and a frozen dataclass took several times as long."""

    partner_type: str
    partner_name: str
    amount_cents: int
    signal_date: date
    crisis: bool
    warm_handover: bool
    contract_end_date: date | None
    grew: bool
    pattern: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Score:
    priority: int
    parts: tuple[tuple[str, int], ...]  # (reason, points), in the order they apply

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, _ in self.parts]


def euros(cents: int) -> str:
    whole = f"{cents // 100:,}".replace(",", ".")
    return f"€ {whole}"


def score(
    signals: list[CaseSignal], opened: date, today: date, rules: dict[str, Any], calendar: Calendar
) -> Score:
    # One pass over the signals: this runs about once per signal taken in.
    weights: dict[str, int] = rules["partner"]
    crisis = warm = grew = opeenvolgend = False
    end: date | None = None
    top = signals[0]
    top_weight = weights.get(top.partner_type, 0)
    # The latest amount per partner (by date, then the last): a repeat replaces, not adds.
    latest: dict[tuple[str, str], CaseSignal] = {}
    for s in signals:
        crisis = crisis or s.crisis
        warm = warm or s.warm_handover
        grew = grew or s.grew
        opeenvolgend = opeenvolgend or s.pattern == "opeenvolgend"
        if s.contract_end_date is not None and (end is None or s.contract_end_date < end):
            end = s.contract_end_date
        weight = weights.get(s.partner_type, 0)
        if weight > top_weight:  # the first of the highest weight, as max() picks it
            top, top_weight = s, weight
        partner = (s.partner_type, s.partner_name)
        seen = latest.get(partner)
        if seen is None or s.signal_date >= seen.signal_date:
            latest[partner] = s

    parts: list[tuple[str, int]] = []
    if crisis:
        parts.append(("Crisissignaal", int(rules["crisis"])))
    if warm:
        parts.append(("Warme overdracht", int(rules["warm_handover"])))

    if end is not None:
        window = int(rules["contract_end_window_working_days"])
        left = calendar.working_days_between(today, end)
        if left <= window:
            points = int(rules["contract_end"]) + int(rules["contract_end_per_day"]) * (
                window - max(left, 0)
            )
            if left < 0:
                reason = f"Contract beëindigd op {end.strftime('%d-%m-%Y')}"
            elif left == 0:
                reason = "Contract eindigt vandaag"
            elif left == 1:
                reason = "Contract eindigt over 1 werkdag"
            else:
                reason = f"Contract eindigt over {left} werkdagen"
            parts.append((reason, points))

    parts.append((PARTNER_REASONS.get(top.partner_type, top.partner_type), int(top_weight)))

    if len(latest) > 1:
        parts.append(
            (
                f"Meerdere partners ({len(latest)})",
                int(rules["several_partners_per_extra"]) * (len(latest) - 1),
            )
        )

    total = sum(s.amount_cents for s in latest.values())
    amount_points = min(int(rules["amount_max"]), total // 10000 * int(rules["amount_per_100_eur"]))
    if amount_points > 0:
        parts.append((f"Totaalbedrag {euros(total)}", amount_points))

    if grew:
        parts.append(("Bedrag gestegen", int(rules["growth"])))
    if opeenvolgend:
        parts.append(("Eerder signaal in de afgelopen maanden", int(rules["opeenvolgend"])))

    waiting = (today - opened).days
    if waiting >= 1:
        label = "Wacht al 1 dag" if waiting == 1 else f"Wacht al {waiting} dagen"
        parts.append((label, int(rules["waiting_per_day"]) * waiting))
    return Score(sum(points for _, points in parts), tuple(parts))


def first_contact_deadline(
    signals: list[CaseSignal], opened: date, rules: dict[str, Any], calendar: Calendar
) -> date:
    """Crisis: within 3 working days (Wgs art. 4) from its signal, also when it joins an older
    case; otherwise the configured number from the opening."""
    crisis_dates = [s.signal_date for s in signals if s.crisis]
    if crisis_dates:
        start = max(opened, min(crisis_dates))
        deadline = calendar.add_working_days(start, int(rules["crisis_working_days"]))
    else:
        deadline = calendar.add_working_days(opened, int(rules["default_working_days"]))
    ends = [
        s.contract_end_date for s in signals if s.contract_end_date and s.contract_end_date > opened
    ]
    if ends:
        # A contract that ends sooner than the deadline pulls the deadline forward.
        deadline = min(deadline, min(ends))
    return deadline
