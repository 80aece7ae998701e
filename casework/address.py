"""A caseworker completes the address of a case that waits for it (signals with only a BSN).

From then on its signals are treated as any signal would have been at intake: they join the
household's open case (or a case closed within the look-back window, which re-opens), or this
case itself becomes the household's case; patterns, repeats and the priority are decided
against what the household already has, by the intake's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.apply import load_cases
from signals.deciding import decide
from signals.normalize import (
    Invalid,
    address_key,
    normalize_huisnummer,
    normalize_postcode,
    normalize_toevoeging,
)
from signals.patterns import months_back
from signals.settings import IntakeSettings
from signals.storing import (
    closed_recently,
    mark_meervoudig,
    reopen,
    rescore_cases,
    stored_history,
)
from signals.waiting import MERGED, WAITING, task_ref
from store.erasure_lock import lock_for_intake
from store.models import Case, Household, Signal, Task, table_of
from store.queries import dialect_insert

cases_t = table_of(Case)
households_t = table_of(Household)
signals_t = table_of(Signal)
tasks_t = table_of(Task)


class AddressError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Address:
    postcode: str
    huisnummer: str
    toevoeging: str

    @property
    def key(self) -> str:
        return address_key(self.postcode, self.huisnummer, self.toevoeging)


def parse_address(postcode: str, huisnummer: str, toevoeging: str = "") -> Address:
    """The intake's own normalisation, with the field that is wrong named."""
    parts: dict[str, str] = {}
    for field, raw, normal in (
        ("postcode", postcode, normalize_postcode),
        ("huisnummer", huisnummer, normalize_huisnummer),
    ):
        if not raw.strip():
            raise AddressError(field, f"{field} ontbreekt")
        try:
            parts[field] = normal(raw)
        except Invalid as exc:
            raise AddressError(field, str(exc)) from exc
    try:
        extra = normalize_toevoeging(toevoeging)
    except Invalid as exc:
        raise AddressError("huisnummertoevoeging", str(exc)) from exc
    return Address(parts["postcode"], parts["huisnummer"], extra)


async def complete_address(
    engine: AsyncEngine,
    case_id: int,
    address: Address,
    settings: IntakeSettings,
    now: datetime,
    user: str,
) -> dict[str, Any]:
    """Give the waiting case's signals their address; returns where they went.

    `{"case": the case that now holds them (None when every one was a repeat), "household",
    "joined": True when they joined another case, "suppressed": signals that opened nothing}`.
    """
    async with engine.begin() as conn:
        await lock_for_intake(conn)  # its signals join a household and case, as an intake's do
        row = (await load_cases(conn, [case_id])).get(case_id)
        if row is None:
            raise AddressError("case", f"no case {case_id}")
        if row.erased_at is not None:
            raise AddressError("case", f"case {case_id} was erased")
        if row.state != WAITING:
            raise AddressError("case", f"case {case_id} is not waiting for an address")
        signals = list(
            await conn.execute(
                select(signals_t)
                .where(signals_t.c.case_id == case_id, signals_t.c.household_id.is_(None))
                .order_by(signals_t.c.signal_date, signals_t.c.id)
            )
        )
        hh = await _household(conn, address, now)
        updates = await _decide(conn, signals, hh, address, settings)
        kept = [u for u in updates if u["reason"] is None]
        # As at intake: only a signal that counts finds (or re-opens) the household's case.
        target = await _target_case(conn, hh, now, settings) if kept else None
        holder = (target or case_id) if kept else None
        for u in kept:
            u["cid"] = holder
        if updates:
            await conn.execute(_SET_DECISION, updates)
        if holder == case_id:  # the waiting case becomes the household's own
            await conn.execute(
                update(cases_t)
                .where(cases_t.c.id == case_id)
                .values(state="open", household_id=hh, version=cases_t.c.version + 1)
            )
        else:  # its signals joined another case, or every one repeated what the household has
            await conn.execute(
                update(cases_t).where(cases_t.c.id == case_id).values(state=MERGED, closed_at=now)
            )
        if holder is not None:
            await rescore_cases(conn, [holder], now, settings)
        await conn.execute(
            update(tasks_t)
            .where(tasks_t.c.ref == task_ref(case_id), tasks_t.c.status.in_(("open", "claimed")))
            .values(
                status="done",
                completed_at=now,
                claimed_by=user,
                outcome={"address": "completed", "case": holder},
            )
        )
    return {
        "case": holder,
        "household": hh,
        "joined": target is not None,
        "suppressed": len(updates) - len(kept),
    }


async def _household(conn: AsyncConnection, address: Address, now: datetime) -> int:
    await conn.execute(
        dialect_insert(conn, households_t).on_conflict_do_nothing(index_elements=["address_key"]),
        {
            "address_key": address.key,
            "postcode": address.postcode,
            "huisnummer": address.huisnummer,
            "toevoeging": address.toevoeging,
            "created_at": now,
        },
    )
    found = await conn.scalar(
        select(households_t.c.id).where(households_t.c.address_key == address.key)
    )
    assert found is not None
    return int(found)


async def _target_case(
    conn: AsyncConnection, hh: int, now: datetime, settings: IntakeSettings
) -> int | None:
    """The household's open case, or one closed within the look-back window, re-opened with
    news (the flow engine hears `NewSignal`), as the intake finds it."""
    open_case = await conn.scalar(
        select(cases_t.c.id).where(cases_t.c.household_id == hh, cases_t.c.state == "open")
    )
    if open_case is not None:
        return int(open_case)
    closed = (await closed_recently(conn, [hh], now, settings)).get(hh)
    if closed is not None:
        await reopen(conn, [closed], now)
    return closed


_SET_DECISION = (
    update(signals_t)
    .where(signals_t.c.id == bindparam("sid"))
    .values(
        household_id=bindparam("hh"),
        postcode=bindparam("pc"),
        huisnummer=bindparam("nr"),
        toevoeging=bindparam("tv"),
        pattern=bindparam("pattern"),
        suppressed_reason=bindparam("reason"),
        grew=bindparam("grew"),
        case_id=bindparam("cid"),
    )
)


async def _decide(
    conn: AsyncConnection,
    signals: list[Any],
    hh: int,
    address: Address,
    settings: IntakeSettings,
) -> list[dict[str, Any]]:
    """Patterns and repeats against the household's history, decided as the intake decides
    them (`signals.deciding`); stored signals this makes meervoudig are marked. One update
    per signal, its case (`cid`) still None: a repeat keeps none, as at intake."""
    if not signals:
        return []
    columns = ("id", "partner_type", "partner_signal_id", "partner_name")
    frame = pl.DataFrame(
        [(*(s._mapping[c] for c in columns), s.signal_date, s.amount_cents) for s in signals],
        schema={
            **dict.fromkeys(columns, pl.String),
            "id": pl.Int64,
            "signal_date": pl.Date,
            "amount_cents": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.lit(hh, dtype=pl.Int64).alias("household_id"))
    frame = frame.sort("signal_date", "partner_type", "partner_signal_id")  # content order
    lookback = settings.lookback_months
    since = months_back(frame.get_column("signal_date").min(), lookback)  # type: ignore[arg-type]
    stored = await stored_history(conn, [hh], since)
    decided, retro = decide(frame, stored, settings.minimum_cents, lookback)
    if retro:
        await mark_meervoudig(conn, retro)
    fixed = {"hh": hh, "pc": address.postcode, "nr": address.huisnummer, "tv": address.toevoeging}
    return [
        {**fixed, "sid": sid, "pattern": pattern, "reason": reason, "grew": grew, "cid": None}
        for sid, pattern, reason, grew in decided.select(
            "id", "pattern", "suppressed_reason", "grew"
        ).iter_rows()
    ]
