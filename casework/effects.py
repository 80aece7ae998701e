"""Carrying out the engine's actions in the database: one handler per action type.

`collect` sorts each action into what it takes (an outbox row, a task row, a cancellation…)
with an exhaustive `match`: a new `Action` type that nobody handles fails the type check
(`assert_never`) instead of being dropped. `store` then writes everything in a few
statements. Timers are not written here: they belong to the case row (casework/apply.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, assert_never

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.optouts import add_opt_out, lift_opt_out, opt_out_address
from casework.outbox import message_row, queue_messages
from casework.rules import TextRoute
from casework.whatsapp_window import route_texts
from flows import CaseState
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
from flows.flow import LETTER
from store.models import ContactAttempt, Outbox, Task, table_of
from store.queries import dialect_insert, member_of

outbox_t = table_of(Outbox)
tasks_t = table_of(Task)
attempts_t = table_of(ContactAttempt)

ESCALATION_KINDS = frozenset({"phone", "home_visit"})


def letter_address(case_id: int) -> str:
    """A letter's outbox address: the case. Its postal address is read when the letter is
    printed (from the case's newest signal), never copied into the outbox."""
    return f"case:{case_id}"


def address_of(row: Any, state: CaseState) -> tuple[str, str] | None:
    """Where the case's messages go: its linked chat when the case is on chat, else its phone."""
    if state.channel == "telegram" and row.telegram_chat_id:
        return "telegram", row.telegram_chat_id
    if row.contact_phone:
        return "sms", row.contact_phone
    return None


@dataclass
class Effects:
    """The actions of one batch of events, sorted by what they write."""

    now: datetime
    route: TextRoute = field(default_factory=TextRoute)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    # Rows for a phone number, with their case's `sms_only`: WhatsApp or SMS (route_texts).
    texts: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    notes: list[AddTaskNote] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    opt_outs: list[tuple[Any, bool]] = field(default_factory=list)  # (case row, add?)
    escalated: int = 0
    closed: int = 0

    def collect(self, row: Any, state: CaseState, action: Action) -> str | None:
        """Take one action of the case in `row` (now in `state`); what it did, in words."""
        match action:
            case SendMessage():
                return self._send(row, state, action)
            case CreateTask():
                return self._task(row, action)
            case CancelTask(ref=ref):
                self.cancelled.append(ref)
                return "cancel task"
            case WithdrawMessages(idempotency_keys=keys):
                self.withdrawn.extend(keys)
                return "withdraw queued message"
            case AddTaskNote():
                self.notes.append(action)  # after the inserts: the task may be new in this batch
                return "note on review task"
            case RecordAttempt():
                self.attempts.append(_attempt_row(row.id, action))
                return None
            case CloseCase(result=result):
                self.closed += 1
                return f"close: {result}"
            case ReopenCase():
                return "reopen"
            case OptOutAddress():
                self.opt_outs.append((row, True))
                return "opt-out"
            case LiftOptOut():
                self.opt_outs.append((row, False))
                return "opt-out lifted"
            case SetLocale(locale=locale):
                return f"language {locale}"  # stored with the case row
            case SetTimer():
                return None  # stored with the case row
            case _:
                assert_never(action)

    def _send(self, row: Any, state: CaseState, action: SendMessage) -> str:
        if action.channel == LETTER:
            address: tuple[str, str] | None = (LETTER, letter_address(row.id))
        else:
            address = address_of(row, state)
        if address is None:
            return f"no address for {action.key}"
        row_out = message_row(
            idempotency_key=action.idempotency_key,
            case_id=row.id,
            channel=address[0],
            to_address=address[1],
            locale=action.locale,
            message_key=action.key,
            values=action.values,
            confirms_opt_out=action.confirms_opt_out,
            not_before=action.not_before,
            now=self.now,
        )
        self.outbox.append(row_out)
        if address[0] == "sms":
            self.texts.append((row_out, bool(row.sms_only)))
        return f"send {action.key}" if action.channel != LETTER else f"letter {action.key}"

    def _task(self, row: Any, action: CreateTask) -> str:
        self.tasks.append(
            {
                "ref": action.ref,
                "case_id": row.id,
                "kind": action.kind,
                "reason": action.reason,
                "status": "open",
                "priority": int(row.priority) + action.priority_boost,
                "due": action.due,
                "not_before": action.not_before,
                "daypart": action.daypart,
                "note": action.note,
                "created_at": self.now,
            }
        )
        if action.kind in ESCALATION_KINDS and action.reason == "ladder":
            self.escalated += 1
        return f"task {action.kind}"

    async def store(self, conn: AsyncConnection) -> None:
        await route_texts(conn, self.route, self.texts, self.now)
        await queue_messages(conn, self.outbox)
        if self.tasks:
            stmt = dialect_insert(conn, tasks_t).on_conflict_do_nothing(index_elements=["ref"])
            await conn.execute(stmt, self.tasks)
        for note in self.notes:
            await _add_note(conn, note)
        if self.withdrawn:
            # Only what is still waiting: a message already with the provider cannot be recalled.
            await conn.execute(
                update(outbox_t)
                .where(
                    member_of(outbox_t.c.idempotency_key, "keys", conn),
                    outbox_t.c.status == "pending",
                )
                .values(status="withdrawn", last_error="the resident answered first"),
                {"keys": self.withdrawn},
            )
        if self.cancelled:
            await conn.execute(
                update(tasks_t)
                .where(
                    member_of(tasks_t.c.ref, "refs", conn),
                    tasks_t.c.status.in_(("open", "claimed")),
                )
                .values(status="cancelled", completed_at=self.now),
                {"refs": self.cancelled},
            )
        if self.attempts:
            stmt = dialect_insert(conn, attempts_t)
            stmt = stmt.on_conflict_do_update(
                index_elements=["ref"],
                set_={
                    "bereikt": stmt.excluded.bereikt,
                    "datum": stmt.excluded.datum,
                    "dagdeel": stmt.excluded.dagdeel,
                },
            )
            await conn.execute(stmt, self.attempts)
        for row, add in self.opt_outs:
            await _opt_out(conn, row, add, self.now)


def _attempt_row(case_id: int, action: RecordAttempt) -> dict[str, Any]:
    return {
        "ref": action.ref,
        "case_id": case_id,
        "soort": action.soort,
        "bereikt": action.bereikt,
        "datum": action.datum,
        "dagdeel": action.dagdeel,
    }


async def _add_note(conn: AsyncConnection, action: AddTaskNote) -> None:
    current = await conn.scalar(select(tasks_t.c.note).where(tasks_t.c.ref == action.ref))
    note = f"{current}\n{action.note}" if current else action.note
    await conn.execute(update(tasks_t).where(tasks_t.c.ref == action.ref).values(note=note))


async def _opt_out(conn: AsyncConnection, row: Any, add: bool, now: datetime) -> None:
    """A STOP (or START) of a case covers every address the case has."""
    addresses = []
    if row.contact_phone:
        addresses.append(("sms", opt_out_address("sms", row.contact_phone)))
    if row.telegram_chat_id:
        addresses.append(("telegram", opt_out_address("telegram", row.telegram_chat_id)))
    for channel, address in addresses:
        if add:
            await add_opt_out(conn, channel, address, "reply", now)
        else:
            await lift_opt_out(conn, address)
