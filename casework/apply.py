"""Events → the engine → the database, for many cases in one transaction.

The caller owns the transaction. Case rows are locked `FOR UPDATE` in id order (PostgreSQL;
SQLite runs one writer at a time), so a reply, a timeout and a task outcome for the same
resident are applied one after the other, never interleaved, and no two workers deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.trial import Trial
from clock import Calendar
from flows import CaseState, Flow, step
from flows.actions import (
    Action,
    AddTaskNote,
    CancelTask,
    CloseCase,
    CreateTask,
    LiftOptOut,
    OptOutAddress,
    RecordAttempt,
    ReopenCase,
    SendMessage,
    SetLocale,
    SetTimer,
    WithdrawMessages,
)
from flows.events import Event
from flows.experiments import Experiment
from store.models import Case, ContactAttempt, OptOut, Outbox, Task, table_of
from store.personal import hashed_address
from store.queries import dialect_insert, member_of

cases_t = table_of(Case)
outbox_t = table_of(Outbox)
tasks_t = table_of(Task)
attempts_t = table_of(ContactAttempt)
optouts_t = table_of(OptOut)

ESCALATION_KINDS = frozenset({"phone", "home_visit"})


@dataclass(frozen=True)
class ChatInvite:
    """What offering a resident the Telegram chat needs (only when Telegram is configured):
    the key the link codes are signed with and the bot's public name for the SMS."""

    secret_key: str = field(repr=False)
    bot_name: str


@dataclass(frozen=True)
class Casework:
    """What applying events needs besides the database: the calendar, the flows and the
    municipality's experiments; and the chat invitation when Telegram is configured."""

    calendar: Calendar
    flow: Flow
    experiments: tuple[Experiment, ...] = ()
    chat: ChatInvite | None = None


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


def opt_out_address(channel: str, address: str) -> str:
    """One list for every channel: a phone number as E.164, a chat as `telegram:<id>`."""
    return address if channel == "sms" else f"{channel}:{address}"


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
            cases_t.c.household_id,
            cases_t.c.timer_version,
        )
        .where(member_of(cases_t.c.id, "ids", conn))
        .order_by(cases_t.c.id)
        .with_for_update()
    )
    rows = await conn.execute(query, {"ids": sorted(set(case_ids))})
    return {row.id: row for row in rows}


def address_of(row: Any, state: CaseState) -> tuple[str, str] | None:
    if state.channel == "telegram" and row.telegram_chat_id:
        return "telegram", row.telegram_chat_id
    if row.contact_phone:
        return "sms", row.contact_phone
    return None


async def opted_out_addresses(conn: AsyncConnection, addresses: list[str]) -> set[str]:
    if not addresses:
        return set()
    # An erased resident's opt-out is kept as a hash of the address (store/personal.py).
    hashed = {hashed_address(a): a for a in addresses}
    rows = await conn.execute(
        select(optouts_t.c.address).where(member_of(optouts_t.c.address, "a", conn)),
        {"a": sorted(set(addresses) | set(hashed))},
    )
    return {hashed.get(a, a) for (a,) in rows}


async def is_opted_out(conn: AsyncConnection, address: str) -> bool:
    """Whether this address (plain, or kept as a hash after an erasure) is opted out."""
    return bool(await opted_out_addresses(conn, [address]))


async def lift_opt_out(conn: AsyncConnection, address: str) -> None:
    """START: the opt-out goes, also when it was kept only as a hash (after an erasure)."""
    await conn.execute(
        delete(optouts_t).where(optouts_t.c.address.in_((address, hashed_address(address))))
    )


async def apply_events(
    conn: AsyncConnection,
    items: list[tuple[int, Event]],
    now: datetime,
    work: Casework,
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
                state = state.evolve(has_phone=True)
            states[row.id] = state
        else:
            addresses = {
                opt_out_address("sms", row.contact_phone or ""),
                opt_out_address("telegram", row.telegram_chat_id or ""),
            }
            states[row.id] = initial_state(row, bool(addresses & blocked))

    produced: list[tuple[int, Action]] = []
    trial = await Trial.load(conn, work, states.values(), now)
    for case_id, event in items:
        if case_id not in states:
            continue  # the case vanished (purged); nothing to do
        state, first = trial.prepare(case_id, states[case_id], event)
        for each in (*first, event):
            state, actions = step(state, each, now, work.calendar, work.flow)
            produced.extend((case_id, action) for action in actions)
        states[case_id] = state
    await trial.store(conn)
    await _carry_out(conn, produced, rows, states, now, applied)
    await _store_states(conn, rows, states, produced)
    applied.states.update(states)
    return applied


async def _carry_out(
    conn: AsyncConnection,
    produced: list[tuple[int, Action]],
    rows: dict[int, Any],
    states: dict[int, CaseState],
    now: datetime,
    applied: Applied,
) -> None:
    outbox: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    cancelled: list[str] = []
    withdrawn: list[str] = []
    notes: list[AddTaskNote] = []
    attempts: list[dict[str, Any]] = []
    for case_id, action in produced:
        row, state = rows[case_id], states[case_id]
        names = applied.actions[case_id]
        if isinstance(action, SendMessage):
            address = address_of(row, state)
            if address is None:
                names.append(f"no address for {action.key}")
                continue
            outbox.append(
                {
                    "idempotency_key": action.idempotency_key,
                    "case_id": case_id,
                    "channel": address[0],
                    "to_address": address[1],
                    "locale": action.locale,
                    "message_key": action.key,
                    "values": dict(action.values),
                    "confirms_opt_out": action.confirms_opt_out,
                    "status": "pending",
                    "not_before": action.not_before,
                    "attempts": 0,
                    "created_at": now,
                }
            )
            names.append(f"send {action.key}")
        elif isinstance(action, CreateTask):
            tasks.append(
                {
                    "ref": action.ref,
                    "case_id": case_id,
                    "kind": action.kind,
                    "reason": action.reason,
                    "status": "open",
                    "priority": int(row.priority) + action.priority_boost,
                    "due": action.due,
                    "not_before": action.not_before,
                    "daypart": action.daypart,
                    "note": action.note,
                    "created_at": now,
                }
            )
            applied.tasks_created += 1
            if action.kind in ESCALATION_KINDS and action.reason == "ladder":
                applied.escalated += 1
            names.append(f"task {action.kind}")
        elif isinstance(action, CancelTask):
            cancelled.append(action.ref)
            names.append("cancel task")
        elif isinstance(action, WithdrawMessages):
            withdrawn.extend(action.idempotency_keys)
            names.append("withdraw queued message")
        elif isinstance(action, AddTaskNote):
            notes.append(action)  # after the inserts: the task may be created in this batch
            names.append("note on review task")
        elif isinstance(action, RecordAttempt):
            attempts.append(
                {
                    "ref": action.ref,
                    "case_id": case_id,
                    "soort": action.soort,
                    "bereikt": action.bereikt,
                    "datum": action.datum,
                    "dagdeel": action.dagdeel,
                }
            )
        elif isinstance(action, CloseCase):
            applied.closed += 1
            names.append(f"close: {action.result}")
        elif isinstance(action, ReopenCase):
            names.append("reopen")
        elif isinstance(action, OptOutAddress | LiftOptOut):
            await _opt_out(conn, row, state, isinstance(action, OptOutAddress), now)
            names.append("opt-out" if isinstance(action, OptOutAddress) else "opt-out lifted")
        elif isinstance(action, SetLocale):
            names.append(f"language {action.locale}")
        elif isinstance(action, SetTimer):
            pass  # stored with the case row below
    if outbox:
        stmt = dialect_insert(conn, outbox_t).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
        await conn.execute(stmt, outbox)
        applied.messages += len(outbox)
    if tasks:
        stmt = dialect_insert(conn, tasks_t).on_conflict_do_nothing(index_elements=["ref"])
        await conn.execute(stmt, tasks)
    for note in notes:
        await _add_note(conn, note)
    if withdrawn:
        # Only what is still waiting: a message already with the provider cannot be recalled.
        await conn.execute(
            update(outbox_t)
            .where(
                member_of(outbox_t.c.idempotency_key, "keys", conn),
                outbox_t.c.status == "pending",
            )
            .values(status="withdrawn", last_error="the resident answered first"),
            {"keys": withdrawn},
        )
    if cancelled:
        await conn.execute(
            update(tasks_t)
            .where(
                member_of(tasks_t.c.ref, "refs", conn), tasks_t.c.status.in_(("open", "claimed"))
            )
            .values(status="cancelled", completed_at=now),
            {"refs": cancelled},
        )
    if attempts:
        stmt = dialect_insert(conn, attempts_t)
        stmt = stmt.on_conflict_do_update(
            index_elements=["ref"],
            set_={
                "bereikt": stmt.excluded.bereikt,
                "datum": stmt.excluded.datum,
                "dagdeel": stmt.excluded.dagdeel,
            },
        )
        await conn.execute(stmt, attempts)


async def _add_note(conn: AsyncConnection, action: AddTaskNote) -> None:
    current = await conn.scalar(select(tasks_t.c.note).where(tasks_t.c.ref == action.ref))
    note = f"{current}\n{action.note}" if current else action.note
    await conn.execute(update(tasks_t).where(tasks_t.c.ref == action.ref).values(note=note))


async def _opt_out(
    conn: AsyncConnection, row: Any, state: CaseState, add: bool, now: datetime
) -> None:
    addresses = []
    if row.contact_phone:
        addresses.append(("sms", opt_out_address("sms", row.contact_phone)))
    if row.telegram_chat_id:
        addresses.append(("telegram", opt_out_address("telegram", row.telegram_chat_id)))
    already = await opted_out_addresses(conn, [a for _, a in addresses]) if add else set()
    for channel, address in addresses:
        if add and address in already:
            continue  # kept (perhaps as a hash, after an erasure): one row per person
        if add:
            stmt = dialect_insert(conn, optouts_t).on_conflict_do_nothing(
                index_elements=["address"]
            )
            await conn.execute(
                stmt, {"address": address, "channel": channel, "source": "reply", "created_at": now}
            )
        else:
            await lift_opt_out(conn, address)


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
