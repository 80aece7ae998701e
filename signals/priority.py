"""Priority of a case: a transparent sum of configurable rules, each with a Dutch reason.

The rules and their points live in the `[priority]` table of the configuration (defaults in
`app/defaults.toml`); caseworkers see every reason, so the order is never a black box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

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


@dataclass(frozen=True, slots=True)
class CaseSignal:
    """What scoring needs to know of one (not suppressed) signal of a case."""

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
    parts: list[tuple[str, int]] = []
    if any(s.crisis for s in signals):
        parts.append(("Crisissignaal", int(rules["crisis"])))
    if any(s.warm_handover for s in signals):
        parts.append(("Warme overdracht", int(rules["warm_handover"])))

    ends = [s.contract_end_date for s in signals if s.contract_end_date is not None]
    if ends:
        end = min(ends)
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

    weights: dict[str, int] = rules["partner"]
    top = max(signals, key=lambda s: weights.get(s.partner_type, 0))
    parts.append(
        (
            PARTNER_REASONS.get(top.partner_type, top.partner_type),
            int(weights.get(top.partner_type, 0)),
        )
    )

    partners = {(s.partner_type, s.partner_name) for s in signals}
    if len(partners) > 1:
        parts.append(
            (
                f"Meerdere partners ({len(partners)})",
                int(rules["several_partners_per_extra"]) * (len(partners) - 1),
            )
        )

    # The latest amount per partner: a repeat replaces, it does not add up.
    latest: dict[tuple[str, str], CaseSignal] = {}
    for s in sorted(signals, key=lambda s: s.signal_date):
        latest[(s.partner_type, s.partner_name)] = s
    total = sum(s.amount_cents for s in latest.values())
    amount_points = min(int(rules["amount_max"]), total // 10000 * int(rules["amount_per_100_eur"]))
    if amount_points > 0:
        parts.append((f"Totaalbedrag {euros(total)}", amount_points))

    if any(s.grew for s in signals):
        parts.append(("Bedrag gestegen", int(rules["growth"])))
    if any(s.pattern == "opeenvolgend" for s in signals):
        parts.append(("Eerder signaal in de afgelopen maanden", int(rules["opeenvolgend"])))

    waiting = (today - opened).days
    if waiting >= 1:
        label = "Wacht al 1 dag" if waiting == 1 else f"Wacht al {waiting} dagen"
        parts.append((label, int(rules["waiting_per_day"]) * waiting))
    return Score(sum(points for _, points in parts), tuple(parts))


def first_contact_deadline(
    signals: list[CaseSignal], opened: date, rules: dict[str, Any], calendar: Calendar
) -> date:
    """Crisis: within 3 working days (Wgs art. 4); otherwise the configured number.

    A crisis counts from its signal, not from when the case was opened: a crisis signal that
    joins a case opened weeks ago still gets its three working days.
    """
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
