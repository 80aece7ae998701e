"""Migration 0011 on SQLite and PostgreSQL: a database at 0010 holding DDAS v0.9 words holds
their v1.2 names after the upgrade — in the case's result, the flow engine's memory and the
task outcome the caseworker recorded — and the downgrade gives v0.9 words back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from store.engine import make_engine
from store.migrate import alembic_config
from tests.conftest import BACKENDS, _admin, _pg_dsn, run_sync

OLD_NO_HELP = "Inwoner hoeft geen hulp vanuit vroegsignalering"
NEW_NO_HELP = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
OLD_REFERRAL = "Verwijzing zonder contact"
NEW_REFERRAL = "Verwijzing zonder tussenkomst inwoner"
ADVICE = "(Budget)advies en/of quick fix"
MOMENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# The tables as they stand at 0010: only the columns these rows need.
households = sa.table(
    "households",
    sa.column("id", sa.Integer),
    sa.column("address_key", sa.String),
    sa.column("postcode", sa.String),
    sa.column("huisnummer", sa.String),
    sa.column("toevoeging", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("priority", sa.Integer),
    sa.column("reasons", sa.JSON),
    sa.column("locale", sa.String),
    sa.column("crisis", sa.Boolean),
    sa.column("opened_at", sa.DateTime(timezone=True)),
    sa.column("closed_at", sa.DateTime(timezone=True)),
    sa.column("result", sa.String),
    sa.column("version", sa.Integer),
    sa.column("flow_state", sa.JSON),
)
tasks = sa.table(
    "tasks",
    sa.column("id", sa.Integer),
    sa.column("ref", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("reason", sa.String),
    sa.column("status", sa.String),
    sa.column("priority", sa.Integer),
    sa.column("due", sa.DateTime(timezone=True)),
    sa.column("outcome", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
attempts = sa.table(
    "contact_attempts",
    sa.column("id", sa.Integer),
    sa.column("ref", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("soort", sa.String),
    sa.column("bereikt", sa.Boolean),
    sa.column("datum", sa.Date),
    sa.column("dagdeel", sa.String),
)
signals = sa.table(
    "signals",
    sa.column("id", sa.Integer),
    sa.column("partner_type", sa.String),
    sa.column("partner_signal_id", sa.String),
    sa.column("amount_cents", sa.BigInteger),
    sa.column("signal_date", sa.Date),
    sa.column("crisis", sa.Boolean),
    sa.column("warm_handover", sa.Boolean),
    sa.column("surname", sa.String),
    sa.column("huisnummer", sa.String),
    sa.column("toevoeging", sa.String),
    sa.column("postcode", sa.String),
    sa.column("household_id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("pattern", sa.String),
    sa.column("status", sa.String),
    sa.column("grew", sa.Boolean),
    sa.column("received_at", sa.DateTime(timezone=True)),
)


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (the shared template is migrated to head already)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'zaadje.db'}"
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    name = f"zaadje_m_{uuid.uuid4().hex[:12]}"
    run_sync(lambda: _admin(admin, f"CREATE DATABASE {name}"))
    yield _pg_dsn(admin, name)
    run_sync(lambda: _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def execute(url: str, *statements: Any) -> list[list[Any]]:
    async def go() -> list[list[Any]]:
        engine = make_engine(url)
        out = []
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    result = await conn.execute(statement)
                    out.append(list(result.all()) if result.returns_rows else [])
        finally:
            await engine.dispose()
        return out

    return run_sync(go)


def household(hid: int) -> dict[str, Any]:
    return {
        "id": hid,
        "address_key": f"1234AB{hid}",
        "postcode": "1234AB",
        "huisnummer": str(hid),
        "toevoeging": "",
        "created_at": MOMENT,
    }


def case(cid: int, result: str | None, state: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": cid,
        "household_id": cid,
        "state": "closed" if result else "open",
        "priority": 10,
        "reasons": [],
        "locale": "nl",
        "crisis": False,
        "opened_at": MOMENT,
        "closed_at": MOMENT if result else None,
        "result": result,
        "version": 3,
        "flow_state": state,
    }


def flow_state(cid: int, result: str | None, *soorten: str) -> dict[str, Any]:
    return {
        "case_id": str(cid),
        "stage": "closed" if result else "default.phone",
        "closed_result": result,
        "closed_at": MOMENT.isoformat() if result else None,
        "attempts": [
            {
                "ref": f"{cid}:a:{n}",
                "soort": s,
                "bereikt": True,
                "datum": "2026-11-02",
                "dagdeel": "Ochtend",
            }
            for n, s in enumerate(soorten)
        ],
    }


def task(tid: int, cid: int, outcome: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": tid,
        "ref": f"{cid}:home_visit:{tid}",
        "case_id": cid,
        "kind": "home_visit",
        "reason": "ladder",
        "status": "done",
        "priority": 10,
        "due": MOMENT,
        "outcome": outcome,
        "created_at": MOMENT,
    }


def signal(sid: int, cid: int, status: str) -> dict[str, Any]:
    return {
        "id": sid,
        "partner_type": "Huur",
        "partner_signal_id": f"H-{sid}",
        "amount_cents": 64000,
        "signal_date": date(2026, 10, 20),
        "crisis": False,
        "warm_handover": False,
        "surname": "Jansen",
        "huisnummer": str(cid),
        "toevoeging": "",
        "postcode": "1234AB",
        "household_id": cid,
        "case_id": cid,
        "pattern": "enkelvoudig",
        "status": status,
        "grew": False,
        "received_at": MOMENT,
    }


def attempt(aid: int, cid: int, soort: str) -> dict[str, Any]:
    return {
        "id": aid,
        "ref": f"{cid}:a:{aid}",
        "case_id": cid,
        "soort": soort,
        "bereikt": False,
        "datum": date(2026, 11, 2),
        "dagdeel": "Middag",
    }


def as_dict(value: Any) -> Any:
    # PostgreSQL's json comes back parsed; be lenient should a driver hand back text.
    return json.loads(value) if isinstance(value, str) else value


def results(url: str) -> dict[int, tuple[str | None, str | None]]:
    (rows,) = execute(url, sa.select(cases.c.id, cases.c.result, cases.c.flow_state))
    return {
        r.id: (r.result, (as_dict(r.flow_state) or {}).get("closed_result", "no flow state"))
        for r in rows
    }


def outcomes(url: str) -> dict[int, Any]:
    (rows,) = execute(url, sa.select(tasks.c.id, tasks.c.outcome))
    return {r.id: as_dict(r.outcome) for r in rows}


def test_upgrade_renames_stored_v09_results_and_downgrade_names_them_back(
    empty_db: str,
) -> None:
    config = alembic_config(empty_db)
    command.upgrade(config, "0010")
    execute(
        empty_db,
        sa.insert(households).values([household(i) for i in range(1, 6)]),
        sa.insert(cases).values(
            [
                case(1, OLD_NO_HELP, flow_state(1, OLD_NO_HELP, "SMS/Whatsapp")),
                case(2, OLD_REFERRAL, flow_state(2, OLD_REFERRAL)),
                case(3, ADVICE, flow_state(3, ADVICE, "Telefoon", "Huisbezoek")),
                case(4, "Verwijzing zonder toestemming", None),  # a v1.0 word, no flow yet
                case(5, None, flow_state(5, None, "Telefoon")),  # re-opened: no result now
            ]
        ),
        sa.insert(tasks).values(
            [
                task(
                    1,
                    1,
                    {
                        "reached": True,
                        "result": OLD_NO_HELP,
                        "daypart": "Ochtend",
                        "note": "wil geen hulp",
                    },
                ),
                task(
                    2, 5, {"reached": True, "result": OLD_REFERRAL, "daypart": None, "note": None}
                ),
                task(3, 3, {"reached": False, "result": None, "daypart": None, "note": None}),
                task(4, 3, None),
            ]
        ),
        sa.insert(signals).values([signal(1, 1, "Nog niet opgepakt")]),
        sa.insert(attempts).values([attempt(1, 3, "Huisbezoek")]),
    )

    command.upgrade(config, "0011")

    assert results(empty_db) == {
        1: (NEW_NO_HELP, NEW_NO_HELP),
        2: (NEW_REFERRAL, NEW_REFERRAL),
        3: (ADVICE, ADVICE),
        4: (NEW_REFERRAL, "no flow state"),  # v1.0's word for it, too
        5: (None, None),
    }
    after = outcomes(empty_db)
    # The result moved on; what else the caseworker recorded stays as it was.
    assert after[1] == {
        "reached": True,
        "result": NEW_NO_HELP,
        "daypart": "Ochtend",
        "note": "wil geen hulp",
    }
    assert after[2]["result"] == NEW_REFERRAL  # the case was re-opened since: still renamed
    assert after[3]["result"] is None and after[4] is None
    # The rest of the flow state is untouched.
    (rows,) = execute(empty_db, sa.select(cases.c.flow_state).where(cases.c.id == 1))
    state = as_dict(rows[0].flow_state)
    assert state["stage"] == "closed" and state["attempts"][0]["soort"] == "SMS/Whatsapp"

    # Now v1.2-only words arrive: the new result, the new contact kinds and status.
    execute(
        empty_db,
        sa.insert(households).values([household(6)]),
        sa.insert(cases).values(
            [
                case(
                    6,
                    "Vervolghulp en/of verwijzing",
                    flow_state(6, "Vervolghulp en/of verwijzing", "Afspraak op locatie"),
                )
            ]
        ),
        sa.insert(attempts).values(
            [attempt(2, 6, "Afspraak op locatie"), attempt(3, 6, "Onbekend")]
        ),
        sa.insert(signals).values([signal(2, 6, "Opgepakt")]),
    )

    command.downgrade(config, "0010")

    down = results(empty_db)
    assert down[1] == (OLD_NO_HELP, OLD_NO_HELP)
    assert down[2] == (OLD_REFERRAL, OLD_REFERRAL)
    assert down[3] == (ADVICE, ADVICE)
    # v0.9 has no result without the financial split: its nearest v0.9 value.
    assert down[6] == ("Vervolghulp en/of verwijzing financieel",) * 2
    assert outcomes(empty_db)[1]["result"] == OLD_NO_HELP
    (soorten, statuses, states) = execute(
        empty_db,
        sa.select(attempts.c.id, attempts.c.soort).order_by(attempts.c.id),
        sa.select(signals.c.id, signals.c.status).order_by(signals.c.id),
        sa.select(cases.c.flow_state).where(cases.c.id == 6),
    )
    assert [tuple(r) for r in soorten] == [(1, "Huisbezoek"), (2, "Huisbezoek"), (3, "Overige")]
    assert [tuple(r) for r in statuses] == [(1, "Nog niet opgepakt"), (2, "Nog niet opgepakt")]
    assert as_dict(states[0].flow_state)["attempts"][0]["soort"] == "Huisbezoek"

    # And up again: the same v1.2 words as before (the v0.9 attempts kinds stay v0.9 words).
    command.upgrade(config, "0011")
    assert results(empty_db)[1] == (NEW_NO_HELP, NEW_NO_HELP)
