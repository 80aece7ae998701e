"""The signals received in a period and what became of them: the one set of facts that the
monitor, the DDAS delivery and the partner feedback all count from.

Decision: a period selects *signals* by the day they were received (taken in by `zaadje
ingest`, on the municipality's clock). The cases are the cases of those signals, with their
contact attempts from the first such signal on (an attempt before it belongs to an earlier
episode of a re-opened case) and their result as known now. So every figure for March answers
"what became of the signals of March", and the monitor and the DDAS delivery of one period
always count the same things.

Only non-personal columns are read here (ids, dates, partner type, pattern, status, amounts,
results): retention may erase names, addresses, phone numbers and BSNs, and the figures for a
past period must not change when it does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from monitor.period import Period
from store.models import Case, ContactAttempt, OptOut, Signal, table_of
from store.queries import member_of

signals_t = table_of(Signal)
cases_t = table_of(Case)
attempts_t = table_of(ContactAttempt)
optouts_t = table_of(OptOut)

CHUNK = 2000  # ids per IN/ANY query

# DDAS results that mean the municipality did not take the signal up (they are the
# EnumEindresultaat values that EnumSignaalstatus shares).
NOT_TAKEN_UP: frozenset[str] = frozenset(
    {
        "Niet opgepakt: herhaalde melding",
        "Niet opgepakt: onterecht signaal",
        "Niet opgepakt: andere reden",
        "Inwoner is overleden",
        "Persoon is geen inwoner (meer) in de gemeente",
    }
)


@dataclass(frozen=True)
class SignalFact:
    id: int
    partner_type: str
    partner_name: str | None
    partner_signal_id: str
    signal_date: date
    origin_date: date | None
    received: date  # local day it was taken in
    amount_cents: int
    crisis: bool
    warm_handover: bool
    pattern: str
    suppressed_reason: str | None
    status: str  # DDAS EnumSignaalstatus as stored
    case_id: int | None


@dataclass(frozen=True)
class AttemptFact:
    id: int
    soort: str
    bereikt: bool
    datum: date
    dagdeel: str | None


@dataclass
class CaseFact:
    id: int
    state: str
    crisis: bool
    deadline: date | None
    result: str | None
    closed_on: date | None
    start: date  # the first day one of the period's signals for it was received
    signals: list[SignalFact] = field(default_factory=list)  # the period's, in id order
    attempts: list[AttemptFact] = field(default_factory=list)  # from `start` on, in order

    @property
    def first_attempt(self) -> AttemptFact | None:
        return self.attempts[0] if self.attempts else None

    @property
    def first_contact(self) -> AttemptFact | None:
        return next((a for a in self.attempts if a.bereikt), None)

    @property
    def reached(self) -> bool:
        return self.first_contact is not None

    @property
    def attempts_until_contact(self) -> int:
        """Attempts up to and including the first that reached the resident; all of them
        when none did."""
        for number, attempt in enumerate(self.attempts, start=1):
            if attempt.bereikt:
                return number
        return len(self.attempts)

    @property
    def closed_result(self) -> str | None:
        return self.result if self.state == "closed" else None

    @property
    def taken_up_on(self) -> date | None:
        """The day the municipality took the case up: its first contact attempt, or — for a
        case closed without one, e.g. "Verwijzing zonder tussenkomst inwoner" or "Vervolghulp
        en/of verwijzing" — the day it was closed with a result other than a "not taken up"
        one. None: not taken up (yet)."""
        if self.attempts:
            return self.attempts[0].datum
        result = self.closed_result
        if result and result not in NOT_TAKEN_UP:
            return self.closed_on
        return None

    @property
    def pattern(self) -> str:
        """meervoudig when one of its signals is, else opeenvolgend when one is, else
        enkelvoudig (the order in which the intake decides a signal's own pattern)."""
        patterns = {s.pattern for s in self.signals}
        for name in ("meervoudig", "opeenvolgend"):
            if name in patterns:
                return name
        return "enkelvoudig"


@dataclass
class Cohort:
    period: Period
    signals: list[SignalFact]
    cases: list[CaseFact]  # in id order
    opt_outs: Counter[str]  # per channel, recorded in the period and still in force
    _by_id: dict[int, CaseFact] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {c.id: c for c in self.cases}

    def case_of(self, signal: SignalFact) -> CaseFact | None:
        return self._by_id.get(signal.case_id) if signal.case_id is not None else None


async def load_cohort(conn: AsyncConnection, period: Period) -> Cohort:
    first, after = period.utc_bounds
    rows = await conn.execute(
        select(
            signals_t.c.id,
            signals_t.c.partner_type,
            signals_t.c.partner_name,
            signals_t.c.partner_signal_id,
            signals_t.c.signal_date,
            signals_t.c.origin_date,
            signals_t.c.received_at,
            signals_t.c.amount_cents,
            signals_t.c.crisis,
            signals_t.c.warm_handover,
            signals_t.c.pattern,
            signals_t.c.suppressed_reason,
            signals_t.c.status,
            signals_t.c.case_id,
        )
        .where(signals_t.c.received_at >= first, signals_t.c.received_at < after)
        .order_by(signals_t.c.id)
    )
    signals = [_signal(row, period) for row in rows]
    case_ids = sorted({s.case_id for s in signals if s.case_id is not None})
    cases = await _load_cases(conn, case_ids, signals, period)
    opt_outs: Counter[str] = Counter()
    for channel, count in await conn.execute(
        select(optouts_t.c.channel, func.count())
        .where(optouts_t.c.created_at >= first, optouts_t.c.created_at < after)
        .group_by(optouts_t.c.channel)
    ):
        opt_outs[channel] = int(count)
    return Cohort(period, signals, cases, opt_outs)


def _signal(row: Any, period: Period) -> SignalFact:
    return SignalFact(
        id=row.id,
        partner_type=row.partner_type,
        partner_name=row.partner_name,
        partner_signal_id=row.partner_signal_id,
        signal_date=row.signal_date,
        origin_date=row.origin_date,
        received=period.local_date(row.received_at),
        amount_cents=int(row.amount_cents),
        crisis=bool(row.crisis),
        warm_handover=bool(row.warm_handover),
        pattern=row.pattern,
        suppressed_reason=row.suppressed_reason,
        status=row.status,
        case_id=row.case_id,
    )


async def _load_cases(
    conn: AsyncConnection, case_ids: list[int], signals: list[SignalFact], period: Period
) -> list[CaseFact]:
    by_case: dict[int, list[SignalFact]] = defaultdict(list)
    for s in signals:
        if s.case_id is not None:
            by_case[s.case_id].append(s)
    case_query = select(
        cases_t.c.id,
        cases_t.c.state,
        cases_t.c.crisis,
        cases_t.c.deadline,
        cases_t.c.result,
        cases_t.c.closed_at,
    ).where(member_of(cases_t.c.id, "ids", conn))
    attempt_query = (
        select(
            attempts_t.c.id,
            attempts_t.c.case_id,
            attempts_t.c.soort,
            attempts_t.c.bereikt,
            attempts_t.c.datum,
            attempts_t.c.dagdeel,
        )
        .where(member_of(attempts_t.c.case_id, "ids", conn))
        .order_by(attempts_t.c.datum, attempts_t.c.id)
    )
    cases: dict[int, CaseFact] = {}
    attempts: dict[int, list[AttemptFact]] = defaultdict(list)
    for start in range(0, len(case_ids), CHUNK):
        chunk = {"ids": case_ids[start : start + CHUNK]}
        for row in await conn.execute(case_query, chunk):
            mine = by_case[row.id]
            cases[row.id] = CaseFact(
                id=row.id,
                state=row.state,
                crisis=bool(row.crisis),
                deadline=row.deadline,
                result=row.result,
                closed_on=_day(row.closed_at, period),
                start=min(s.received for s in mine),
                signals=mine,
            )
        for row in await conn.execute(attempt_query, chunk):
            attempts[row.case_id].append(
                AttemptFact(row.id, row.soort, bool(row.bereikt), row.datum, row.dagdeel)
            )
    for case_id, case in cases.items():
        case.attempts = [a for a in attempts[case_id] if a.datum >= case.start]
    return [cases[i] for i in sorted(cases)]


def _day(moment: datetime | None, period: Period) -> date | None:
    return period.local_date(moment) if moment is not None else None
