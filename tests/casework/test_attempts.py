"""Contact attempts a caseworker records by hand (`casework.attempts`, `zaadje case attempt`),
on SQLite and PostgreSQL: stored with their DDAS codes, counted by the monitor, refused with a
clear reason when they cannot be true; the ladder is not moved by them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.attempts import AttemptError, record_attempt
from store.engine import make_engine
from store.models import ContactAttempt, table_of
from tests.conftest import Cli, run_sync

AMS = ZoneInfo("Europe/Amsterdam")
HEADER = (
    "id,signaalpartner,signaalpartner_naam,bedrag,signaaldatum,achternaam,huisnummer,"
    "postcode,telefoonnummer,crisissignaal\n"
)
# A plain rent signal on Monday 2 November 2026: an SMS first, a phone task days later.
ROW = "H-1,Huur,Woonstad,640,2026-10-20,Jansen,12,1234AB,+31612340001,nee"
NOW = "2026-11-04T10:00"
VISIT_NOW = "2026-11-10T10:00"


def home_visit(cli: Cli, tmp_path: Path) -> dict[str, Any]:
    """A case without a phone number: its letter is posted, and 5 working days later the
    ladder's home visit is open."""
    path = tmp_path / "signals.csv"
    path.write_text(HEADER + "N-1,Huur,Woonstad,640,2026-10-20,Bakker,8,1234AB,,nee\n")
    cli.json("ingest", str(path), "--now", "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    made = cli.json(
        "letters", "batch", "--out", str(tmp_path / "b.pdf"), "--now", "2026-11-02T16:00"
    )
    cli.json("letters", "confirm", str(made["batch"]), "--now", "2026-11-02T16:00")
    cli.json("tick", "--now", "2026-11-09T16:30")
    (visit,) = cli.json("tasks", "--status", "open")
    assert visit["kind"] == "home_visit"
    return dict(visit)


attempts_t = table_of(ContactAttempt)


def one_case(cli: Cli, tmp: Path) -> int:
    path = tmp / "signals.csv"
    path.write_text(HEADER + ROW + "\n", encoding="utf-8")
    cli.json("ingest", str(path), "--now", "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    (case,) = cli.json("cases")
    return int(case["id"])


def stored(db: str) -> list[Any]:
    async def go() -> list[Any]:
        engine = make_engine(db)
        try:
            async with engine.connect() as conn:
                query = select(attempts_t).order_by(attempts_t.c.id)
                return list((await conn.execute(query)).all())
        finally:
            await engine.dispose()

    return run_sync(go)


def record(db: str, case_id: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "soort": "Brief",
        "bereikt": False,
        "datum": date(2026, 11, 3),
        "dagdeel": None,
        "user": "ria",
        "now": datetime(2026, 11, 4, 10, 0, tzinfo=AMS),
    } | changes

    async def go() -> dict[str, Any]:
        engine = make_engine(db)
        try:
            return await record_attempt(engine, case_id, **values)
        finally:
            await engine.dispose()

    return run_sync(go)


def test_an_attempt_by_hand_is_stored_with_its_ddas_codes_and_counted_by_the_monitor(
    cli: Cli, tmp_path: Path
) -> None:
    case_id = one_case(cli, tmp_path)
    letter = cli.json(
        "case",
        "attempt",
        str(case_id),
        "--soort",
        "Brief",
        "--reached",
        "no",
        "--date",
        "2026-11-03",
        "--user",
        "ria",
        "--now",
        NOW,
    )
    assert letter["case"] == case_id
    assert (letter["soort"], letter["bereikt"], letter["datum"], letter["dagdeel"]) == (
        "Brief",
        False,
        "2026-11-03",
        None,
    )
    meeting = cli.json(
        "case",
        "attempt",
        str(case_id),
        "--soort",
        "Afspraak op locatie",
        "--reached",
        "yes",
        "--daypart",
        "Middag",
        "--now",
        NOW,
    )
    # Without --date: today on the municipality's clock.
    assert (meeting["datum"], meeting["bereikt"], meeting["dagdeel"]) == (
        "2026-11-04",
        True,
        "Middag",
    )
    assert meeting["id"] != letter["id"]
    rows = {r.id: r for r in stored(cli.db)}
    assert rows[letter["id"]].soort == "Brief" and rows[meeting["id"]].bereikt is True
    assert rows[letter["id"]].ref != rows[meeting["id"]].ref

    report = cli.json("monitor", "--from", "2026-11-01", "--to", "2026-11-30")
    sections = {s["key"]: s["values"] for s in report["sections"]}
    assert sections["attempts_by_method"]["Brief"] == 1
    assert sections["attempts_by_method"]["Afspraak op locatie"] == 1
    assert sections["reached_by_method"]["Afspraak op locatie"] == 1

    code, out, err = cli.run(
        "case", "attempt", str(case_id), "--soort", "Mail", "--reached", "nee", "--now", NOW
    )
    assert code == 0 and err == ""
    assert "Mail, not reached, 2026-11-04" in out


def test_a_reached_attempt_by_hand_leaves_the_ladder_as_it_was(cli: Cli, tmp_path: Path) -> None:
    # Decision (casework/attempts.py): the engine has no event for it; the caseworker who
    # reached the resident records that on the case's task.
    case_id = one_case(cli, tmp_path)
    before = cli.json("tasks")
    cli.json(
        "case",
        "attempt",
        str(case_id),
        "--soort",
        "Afspraak op locatie",
        "--reached",
        "yes",
        "--now",
        NOW,
    )
    assert cli.json("tasks") == before
    (case,) = cli.json("cases")
    assert case["state"] == "open"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--soort", "Fax", "--reached", "no"), "unknown contactsoort 'Fax'; one of: Brief"),
        (("--soort", "Telefoon", "--reached", "no"), "completing its phone or call-back task"),
        (("--soort", "Huisbezoek", "--reached", "no"), "completing its home-visit task"),
        (("--soort", "SMS/Whatsapp", "--reached", "no"), "by the channel"),
        (("--soort", "Brief", "--reached", "no", "--date", "2026-11-05"), "in the future"),
        (("--soort", "Brief", "--reached", "no", "--date", "2026-10-01"), "before case"),
        (("--soort", "Brief", "--reached", "no", "--date", "3-11-2026"), "--date: not a date"),
        (("--soort", "Brief", "--reached", "misschien"), "--reached"),
        (("--soort", "Brief", "--reached", "no", "--daypart", "Nacht"), "--daypart"),
    ],
)
def test_an_attempt_that_cannot_be_true_is_one_clear_line_and_exit_2(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    case_id = one_case(cli, tmp_path)
    code, out, err = cli.run("case", "attempt", str(case_id), *args, "--now", NOW)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert [r for r in stored(cli.db) if r.ref.startswith("manual:")] == []  # nothing stored


def test_unknown_and_erased_cases_are_refused(cli: Cli, tmp_path: Path) -> None:
    case_id = one_case(cli, tmp_path)
    code, _, err = cli.run(
        "case", "attempt", "999", "--soort", "Brief", "--reached", "no", "--now", NOW
    )
    assert code == 2 and "no case 999" in err
    cli.json("erase", "--case", str(case_id), "--now", NOW)
    code, _, err = cli.run(
        "case", "attempt", str(case_id), "--soort", "Brief", "--reached", "no", "--now", NOW
    )
    assert code == 2 and f"case {case_id} was erased" in err


def test_record_attempt_checks_what_it_is_given(cli: Cli, tmp_path: Path) -> None:
    case_id = one_case(cli, tmp_path)
    for changes, message in (
        ({"soort": "Onbekend", "dagdeel": "Nacht"}, "unknown dagdeel 'Nacht'"),
        ({"datum": date(2026, 11, 5)}, "2026-11-05 is in the future"),
        ({"user": "  "}, "name the caseworker"),
    ):
        with pytest.raises(AttemptError, match=message) as raised:
            record(cli.db, case_id, **changes)
        assert isinstance(raised.value, ValueError)
    with pytest.raises(ValueError, match="no case 4242"):
        record(cli.db, 4242)
    assert [r for r in stored(cli.db) if r.ref.startswith("manual:")] == []

    # Half past eleven at night on the municipality's clock: still the 4th, so the 4th is
    # not "in the future" (the day is that of `now`, in the time zone it is given in).
    evening = datetime(2026, 11, 4, 23, 30, tzinfo=AMS)
    late = record(
        cli.db,
        case_id,
        soort="Onbekend",
        bereikt=True,
        datum=date(2026, 11, 4),
        dagdeel="Avond",
        now=evening,
    )
    assert late == {
        "id": late["id"],
        "case": case_id,
        "soort": "Onbekend",
        "bereikt": True,
        "datum": "2026-11-04",
        "dagdeel": "Avond",
    }
    (row,) = [r for r in stored(cli.db) if r.id == late["id"]]
    assert row.ref == f"manual:{case_id}:1"
    assert record(cli.db, case_id)["id"] != late["id"]
    assert {r.ref for r in stored(cli.db) if r.ref.startswith("manual:")} == {
        f"manual:{case_id}:1",
        f"manual:{case_id}:2",
    }


def test_task_complete_records_a_home_visit_as_an_appointment_at_a_location(
    cli: Cli, tmp_path: Path
) -> None:
    visit = home_visit(cli, tmp_path)
    assert visit["kind"] == "home_visit"
    code, _, err = cli.run(
        "task",
        "complete",
        str(visit["id"]),
        "--reached",
        "no",
        "--soort",
        "Telefoon",
        "--now",
        VISIT_NOW,
    )
    assert code == 2
    assert "Huisbezoek or Afspraak op locatie, not 'Telefoon'" in err
    done = cli.json(
        "task",
        "complete",
        str(visit["id"]),
        "--reached",
        "yes",
        "--soort",
        "Afspraak op locatie",
        "--result",
        "Vervolghulp en/of verwijzing",
        "--now",
        VISIT_NOW,
    )
    assert done["status"] == "done" and done["outcome"]["soort"] == "Afspraak op locatie"
    assert [(r.soort, r.bereikt) for r in stored(cli.db)] == [
        ("Brief", False),  # the letter posted before the visit
        ("Afspraak op locatie", True),
    ]
    (case,) = cli.json("cases", "--state", "closed")
    assert case["id"] == visit["case"]


def test_task_complete_takes_a_result_in_v09_words_as_its_v12_name(
    cli: Cli, tmp_path: Path
) -> None:
    # An older script still says "Verwijzing zonder contact": it keeps working (CONTRACT).
    visit = home_visit(cli, tmp_path)
    done = cli.json(
        "task",
        "complete",
        str(visit["id"]),
        "--reached",
        "no",
        "--result",
        "Verwijzing zonder contact",
        "--now",
        VISIT_NOW,
    )
    assert done["outcome"]["result"] == "Verwijzing zonder tussenkomst inwoner"
    report = cli.json("monitor", "--from", "2026-11-01", "--to", "2026-11-30")
    (results,) = [s["values"] for s in report["sections"] if s["key"] == "results"]
    assert results["Verwijzing zonder tussenkomst inwoner"] == 1
    assert "Verwijzing zonder contact" not in results
