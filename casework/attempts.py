"""Contact attempts a caseworker records by hand, outside a task: a letter, an e-mail, a card
put through the door, an appointment at a location, an administrative check, ….

Decision: such an attempt is stored for the monitor and the DDAS delivery only; it does not
reach the flow engine. The engine has no event for it: a `TaskOutcome` belongs to an open task
(for any other ref it changes nothing, by design), and a `Reply` is the resident's own text.
So a reached manual attempt does not stop the ladder; the caseworker who spoke with the
resident records that on the case's open task (or its review task), which does. For the same
reason the two kinds the ladder itself plans and reads back — Telefoon (the next call's
daypart rotates over the earlier calls) and Huisbezoek (a card is left, the ladder goes on) —
are recorded by completing their task, and SMS/Whatsapp is recorded by the channel when a
message is delivered.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from flows.ddas import (
    AFSPRAAK_OP_LOCATIE,
    BRIEF,
    DAGDELEN,
    HUISBEZOEK,
    KAARTJE,
    ONBEKEND,
    SMS,
    TELEFOON,
)
from signals.waiting import MERGED
from store.models import Case, ContactAttempt, table_of

log = logging.getLogger("zaadje.attempts")

cases_t = table_of(Case)
attempts_t = table_of(ContactAttempt)

# The DDAS EnumContactsoort values a caseworker may record outside a task, in the order the
# form offers them.
MANUAL_SOORTEN: Final[tuple[str, ...]] = (
    BRIEF,
    "Mail",
    KAARTJE,
    AFSPRAAK_OP_LOCATIE,
    "Administratief",
    "Overige",
    ONBEKEND,
)
# Why the other kinds are not offered here (named in the error a caller gets).
_ELSEWHERE: Final[dict[str, str]] = {
    TELEFOON: "a phone call is recorded by completing its phone or call-back task",
    HUISBEZOEK: "a home visit is recorded by completing its home-visit task",
    SMS: "an SMS or chat message is recorded by the channel when it is delivered",
}
REF_PREFIX: Final = "manual"  # refs of the flow engine begin with the case id: never clash


class AttemptError(ValueError):
    """The attempt cannot be recorded; the message says why."""


def attempt_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "case": row.case_id,
        "soort": row.soort,
        "bereikt": bool(row.bereikt),
        "datum": row.datum.isoformat(),
        "dagdeel": row.dagdeel,
    }


def check_attempt(soort: str, datum: date, dagdeel: str | None, today: date) -> None:
    """What can be checked without the database (the desk form checks this first)."""
    if soort not in MANUAL_SOORTEN:
        why = _ELSEWHERE.get(soort)
        if why is not None:
            raise AttemptError(f"contactsoort {soort!r} is not recorded here: {why}")
        raise AttemptError(f"unknown contactsoort {soort!r}; one of: {', '.join(MANUAL_SOORTEN)}")
    if dagdeel is not None and dagdeel not in DAGDELEN:
        raise AttemptError(f"unknown dagdeel {dagdeel!r}; one of: {', '.join(DAGDELEN)}")
    if datum > today:
        raise AttemptError(
            f"the date {datum.isoformat()} is in the future (today is {today.isoformat()})"
        )


async def record_attempt(
    engine: AsyncEngine,
    case_id: int,
    *,
    soort: str,
    bereikt: bool,
    datum: date,
    dagdeel: str | None,
    user: str,
    now: datetime,
) -> dict[str, Any]:
    """Store a contact attempt made outside a task and return it.

    `datum` may not lie after the day of `now` (in `now`'s own time zone: pass the
    municipality's local time) nor before the day the case was opened. `user` names the
    caseworker; the desk's audit log keeps it with the attempt's id (the attempts table, the
    anonymous core of the monitor, holds no names).
    """
    who = user.strip()
    if not who:
        raise AttemptError("name the caseworker who records the attempt (--user)")
    today = now.date()
    check_attempt(soort, datum, dagdeel, today)
    async with engine.begin() as conn:
        # The case's lock, as every writer of a case takes it (casework/apply.py): two
        # attempts recorded at once get distinct refs.
        case = (
            await conn.execute(
                select(cases_t.c.id, cases_t.c.state, cases_t.c.opened_at, cases_t.c.erased_at)
                .where(cases_t.c.id == case_id)
                .with_for_update()
            )
        ).first()
        if case is None:
            raise AttemptError(f"no case {case_id}")
        if case.erased_at is not None:
            raise AttemptError(f"case {case_id} was erased; nothing can be recorded for it")
        if case.state == MERGED:
            raise AttemptError(
                f"case {case_id} was merged into its household's case; record the attempt there"
            )
        opened = case.opened_at.astimezone(now.tzinfo).date() if now.tzinfo else None
        if opened is not None and datum < opened:
            raise AttemptError(
                f"the date {datum.isoformat()} is before case {case_id} was opened "
                f"({opened.isoformat()})"
            )
        prefix = f"{REF_PREFIX}:{case_id}:"
        refs = await conn.scalars(
            select(attempts_t.c.ref).where(
                attempts_t.c.case_id == case_id, attempts_t.c.ref.like(f"{prefix}%")
            )
        )
        numbers = [r.removeprefix(prefix) for r in refs]
        seq = 1 + max((int(n) for n in numbers if n.isdigit()), default=0)
        row = (
            await conn.execute(
                insert(attempts_t)
                .values(
                    ref=f"{prefix}{seq}",
                    case_id=case_id,
                    soort=soort,
                    bereikt=bereikt,
                    datum=datum,
                    dagdeel=dagdeel,
                )
                .returning(*attempts_t.c)
            )
        ).one()
    log.info(
        "contact attempt %s recorded by hand for case %s",
        row.id,
        case_id,
        extra={"case": case_id, "attempt": row.id, "user": who},
    )
    return attempt_dict(row)
