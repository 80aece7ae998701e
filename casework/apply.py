"""Events → the engine → the database, for many cases in one transaction.

Casework is the only writer of case state: every change of a case's flow state goes through
`apply_events` (scheduler passes, replies, delivery reports, desk outcomes, chat linking,
erasure). The caller owns the transaction. Case rows are locked `FOR UPDATE` in id order
(PostgreSQL; SQLite runs one writer at a time), so a reply, a timeout and a task outcome for
the same resident are applied one after the other, never interleaved, and no two workers
deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.effects import Effects
from casework.experiments import ExperimentRound
from casework.optouts import opt_out_address, opted_out_addresses
from casework.rules import CaseRules
from flows import CaseState, step
from flows.actions import Action, SetTimer
from flows.events import Event
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


@dataclass
class Applied:
    """What a batch of events did, for the pass summaries and `zaadje reply`."""

    messages: int = 0
    tasks_created: int = 0
    escalated: int = 0
    closed: int = 0
    actions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    states: dict[int, CaseState] = field(default_factory=dict)

    def add(self, other: Applied) -> None:
        self.messages += other.messages
        self.tasks_created += other.tasks_created
        self.escalated += other.escalated
        self.closed += other.closed
        for case_id, names in other.actions.items():
            self.actions[case_id].extend(names)
        self.states.update(other.states)


def initial_state(row: Any, opted_out: bool) -> CaseState:
    return CaseState(
        case_id=str(row.id),
        crisis=bool(row.crisis),
        has_phone=bool(row.contact_phone),
        channel="telegram" if row.telegram_chat_id else "sms",
        locale=row.locale,
        opted_out=opted_out,
    )


async def load_cases(conn: AsyncConnection, case_ids: list[int]) -> dict[int, Any]:
    query = (
        select(
            cases_t.c.id,
            cases_t.c.state,
            cases_t.c.flow_state,
            cases_t.c.crisis,
            cases_t.c.locale,
            cases_t.c.priority,
            cases_t.c.contact_phone,
            cases_t.c.telegram_chat_id,
            cases_t.c.sms_only,
            cases_t.c.household_id,
            cases_t.c.timer_version,
            cases_t.c.erased_at,
        )
        .where(member_of(cases_t.c.id, "ids", conn))
        .order_by(cases_t.c.id)
        .with_for_update()
    )
    rows = await conn.execute(query, {"ids": sorted(set(case_ids))})
    return {row.id: row for row in rows}


async def apply_events(
    conn: AsyncConnection,
    items: list[tuple[int, Event]],
    now: datetime,
    rules: CaseRules,
) -> Applied:
    """Apply each (case id, event) in order and store everything that follows from it."""
    applied = Applied()
    if not items:
        return applied
    rows = await load_cases(conn, [case_id for case_id, _ in items])
    fresh = [r for r in rows.values() if r.flow_state is None]
    blocked = await opted_out_addresses(
        conn,
        [opt_out_address("sms", r.contact_phone) for r in fresh if r.contact_phone]
        + [opt_out_address("telegram", r.telegram_chat_id) for r in fresh if r.telegram_chat_id],
    )
    states: dict[int, CaseState] = {}
    for row in rows.values():
        if row.flow_state is not None:
            state = CaseState.from_dict(row.flow_state)
            if row.contact_phone and not state.has_phone:
                # A number learnt later (a new signal, a reply) makes the case reachable.
                state = replace(state, has_phone=True)
            states[row.id] = state
        else:
            addresses = {
                opt_out_address("sms", row.contact_phone or ""),
                opt_out_address("telegram", row.telegram_chat_id or ""),
            }
            states[row.id] = initial_state(row, bool(addresses & blocked))

    produced: list[tuple[int, Action]] = []
    experiments = await ExperimentRound.load(conn, rules, states.values(), now)
    for case_id, event in items:
        if case_id not in states:
            continue  # the case vanished (purged); nothing to do
        state, first = experiments.prepare(case_id, states[case_id], event)
        for each in (*first, event):
            state, actions = step(state, each, now, rules.calendar, rules.flow)
            produced.extend((case_id, action) for action in actions)
        states[case_id] = state
    await experiments.store(conn)
    effects = Effects(now, rules.route)
    for case_id, action in produced:
        said = effects.collect(rows[case_id], states[case_id], action)
        if said is not None:
            applied.actions[case_id].append(said)
    await effects.store(conn)
    applied.messages += len(effects.outbox)
    applied.tasks_created += len(effects.tasks)
    applied.escalated += effects.escalated
    applied.closed += effects.closed
    await _store_states(conn, rows, states, produced)
    applied.states.update(states)
    return applied


async def _store_states(
    conn: AsyncConnection,
    rows: dict[int, Any],
    states: dict[int, CaseState],
    produced: list[tuple[int, Action]],
) -> None:
    timers: dict[int, SetTimer] = {}
    for case_id, action in produced:
        if isinstance(action, SetTimer):
            timers[case_id] = action  # the last one set wins
    updates = []
    for case_id, state in states.items():
        timer = timers.get(case_id)
        stored_version = rows[case_id].timer_version
        if timer is not None and timer.version == state.timer_version:
            mode = "set"  # the live timer is the one just set
        elif timer is None and stored_version == state.timer_version:
            mode = "keep"  # nothing moved on: the stored timer is still the live one
        else:
            # The engine moved on (a new stage bumps the version) without a new timer: the
            # stored one is stale. Clear it, or it would fire carrying the current version.
            mode = "clear"
        updates.append(
            {
                "cid": case_id,
                "flow_state": state.to_dict(),
                "stage": state.stage,
                "case_state": "closed" if state.closed else "open",
                "result": state.closed_result,
                "closed_at": state.closed_at,
                "locale": state.locale,
                # Keys named after columns would be SET by SQLAlchemy even where not asked
                # for; the t_ names keep a stored timer untouched when it is to be kept.
                "t_due": timer.due if mode == "set" and timer else None,
                "t_name": timer.name if mode == "set" and timer else None,
                "t_version": state.timer_version if mode == "set" else None,
                "mode": mode,
            }
        )
    for mode in ("set", "keep", "clear"):
        batch = [u for u in updates if u["mode"] == mode]
        if not batch:
            continue
        values: dict[str, Any] = {
            "flow_state": bindparam("flow_state"),
            "stage": bindparam("stage"),
            "state": bindparam("case_state"),
            "result": bindparam("result"),
            "closed_at": bindparam("closed_at"),
            "locale": bindparam("locale"),
            "version": cases_t.c.version + 1,
        }
        if mode != "keep":
            values["timer_due"] = bindparam("t_due")
            values["timer_name"] = bindparam("t_name")
            values["timer_version"] = bindparam("t_version")
        await conn.execute(
            update(cases_t).where(cases_t.c.id == bindparam("cid")).values(**values), batch
        )
