"""`zaadje erase`: a data-subject request leaves none of the resident's data in any table,
touches nobody else's, is logged without the data itself, and changes no monitor figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from casework.apply import apply_events
from casework.rules import CaseRules
from clock import Calendar
from flows import Delivered, Event, Timeout, load_flow
from store.engine import make_engine
from store.models import Case, table_of
from tests.conftest import Cli, run_sync
from tests.retention.residents import (
    ANNA,
    BART,
    CARLA,
    every_cell,
    found,
    ingest,
    monitor,
    skeleton,
)

cases_t = table_of(Case)
ANNA_WRITES = "Bel me liever na vijven, groet van Zwartbroek uit Appelscha"


def _town(cli: Cli, tmp_path: Path) -> None:
    rows = [
        ANNA.row("A-1"),
        ANNA.row("A-2", amount="40", partner="Water"),  # too small: kept, opens no case
        ANNA.row("A-3", amount="heel veel"),  # rejected: its raw values are kept for review
        BART.row("B-1"),
    ]
    summary = ingest(cli, tmp_path, rows, "2026-11-02T08:00")
    assert summary["rejected"] == 1 and summary["suppressed"] == 1
    assert cli.json("tick", "--now", "2026-11-02T09:00")["sent"] == 2
    cli.json(
        "reply", "--channel", "sms", "--sender", ANNA.e164, "--text", ANNA_WRITES,
        "--now", "2026-11-02T10:00",
    )  # fmt: skip
    # Then she asks for no more messages: her number goes on the opt-out list.
    stop = cli.json("reply", "--channel", "sms", "--sender", ANNA.e164, "--text", "STOP",
                    "--now", "2026-11-02T10:05")  # fmt: skip
    assert "opt-out" in stop["actions"]


def test_erase_by_phone_leaves_no_trace(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    assert found(cli.db, [*ANNA.traces(), ANNA_WRITES])  # the test data really is there
    month = ("2026-11-01", "2026-11-30", "2026-12-15T12:00")
    figures_before, facts_before = monitor(cli, *month), skeleton(cli.db)
    (anna_case,) = {m["case"] for m in cli.json("outbox") if m["to"] == ANNA.e164}

    erased = cli.json("erase", "--phone", ANNA.phone, "--by", "privacy-team",
                      "--now", "2026-11-03T10:00")  # fmt: skip

    assert erased["cases"] == [anna_case]
    assert erased["signals"] == 2  # the case's signal and the small one that opened none
    assert found(cli.db, [*ANNA.traces(), ANNA_WRITES]) == []
    # Bart is untouched, and so are the figures of the month.
    assert {t for t, _, _ in found(cli.db, [BART.surname])} >= {"signals"}
    assert found(cli.db, [BART.e164, BART.street, BART.bsn])
    assert monitor(cli, *month) == figures_before
    assert skeleton(cli.db) == facts_before

    # The request is on record, without the number it was about.
    log = [v for t, c, v in found(cli.db, ["verzoek: phone"]) if t == "erasures"]
    assert log == ["verzoek: phone"]
    assert found(cli.db, ["privacy-team"])

    # Nothing goes out to her any more; the scheduler runs on without errors.
    cli.json("tick", "--now", "2026-11-10T09:00")
    statuses = [m["status"] for m in cli.json("outbox", "--case", str(anna_case))]
    assert "pending" not in statuses
    # A late event for her case (a delivery report, a timer) finds it closed.
    _late_events(cli.db, anna_case)
    assert _case_state(cli.db, anna_case) == ("closed", "closed")
    assert [t for t in cli.json("tasks", "--status", "open") if t["case"] == anna_case] == []
    assert found(cli.db, ANNA.traces()) == []

    # Her opt-out still protects her: kept, as a hash of her number (store/personal.py) …
    opt_outs = [v for t, c, v in every_cell(cli.db) if t == "opt_outs" and c == "address"]
    assert len(opt_outs) == 1 and opt_outs[0].startswith("h:")
    # … so a new signal opens a case, but no SMS goes out.
    ingest(cli, tmp_path, [ANNA.row("A-9")], "2026-11-16T08:00")
    cli.json("tick", "--now", "2026-11-16T09:00")
    assert [m for m in cli.json("outbox") if m["to"] == ANNA.e164] == []


def test_erase_by_bsn_and_by_case(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    by_bsn = cli.json("erase", "--bsn", BART.bsn, "--now", "2026-11-03T10:00")
    assert len(by_bsn["cases"]) == 1
    assert found(cli.db, BART.traces()) == []
    assert found(cli.db, [ANNA.surname])  # Anna is still there

    (anna,) = cli.json("cases", "--state", "open")
    by_case = cli.json("erase", "--case", str(anna["id"]), "--now", "2026-11-03T11:00")
    assert by_case["cases"] == [anna["id"]]
    # Her suppressed signal belongs to no case: only a request by phone or BSN finds it.
    assert {t for t, _, _ in found(cli.db, [ANNA.surname])} <= {"signals", "ingest_issues"}
    again = cli.json("erase", "--bsn", ANNA.bsn, "--now", "2026-11-03T12:00")
    assert found(cli.db, ANNA.traces()) == []
    assert again["signals"] >= 1


def test_erase_refuses_bad_input_clearly(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli.run("erase", "--phone", "bel me")
    assert code == 2 and out == "" and "--phone" in err and "Traceback" not in err
    code, _, err = cli.run("erase", "--bsn", "123456789")
    assert code == 2 and "elfproef" in err
    code, _, err = cli.run("erase", "--case", "999")
    assert code == 2 and "no case 999" in err
    code, _, err = cli.run("erase", "--phone", ANNA.phone, "--bsn", ANNA.bsn)
    assert code == 2 and "not allowed with" in err
    nothing = cli.json("erase", "--phone", "+31612121212")
    assert nothing == {"cases": [], "signals": 0, "rows": {}}


def _case_state(db: str, case_id: int) -> tuple[str, str]:
    async def go() -> tuple[str, str]:
        engine = make_engine(db)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(cases_t.c.state, cases_t.c.stage).where(cases_t.c.id == case_id)
                    )
                ).one()
                return row.state, row.stage
        finally:
            await engine.dispose()

    return run_sync(go)


def _late_events(db: str, case_id: int) -> None:
    async def go() -> None:
        engine = make_engine(db)
        try:
            async with engine.begin() as conn:
                work = CaseRules(calendar=Calendar(), flow=load_flow())
                late = datetime(2026, 11, 4, 12, tzinfo=UTC)
                events: list[tuple[int, Event]] = [
                    (case_id, Delivered(f"{case_id}:first_contact:1")),
                    (case_id, Timeout(timer_version=2, name="wait")),
                ]
                await apply_events(conn, events, late, work)
        finally:
            await engine.dispose()

    run_sync(go)


def test_after_erasure_her_opt_out_still_holds_for_a_stranger_until_she_sends_start(
    cli: Cli, tmp_path: Path
) -> None:
    _town(cli, tmp_path)
    cli.json("erase", "--phone", ANNA.phone, "--by", "privacy-team", "--now", "2026-11-03T10:00")
    # Her number is no longer known to any case: she is a stranger now, but an opted-out one.
    hello = cli.json("reply", "--channel", "sms", "--sender", ANNA.e164, "--text", "Hallo",
                     "--now", "2026-11-04T10:00")  # fmt: skip
    assert hello["case"] is None and hello["actions"] == []
    start = cli.json("reply", "--channel", "sms", "--sender", ANNA.e164, "--text", "START",
                     "--now", "2026-11-04T10:05")  # fmt: skip
    assert "opt-out lifted" in start["actions"]
    assert [v for t, c, v in every_cell(cli.db) if t == "opt_outs"] == []


def test_erase_takes_the_warnings_that_quote_her_dropped_values(cli: Cli, tmp_path: Path) -> None:
    # A row with an impossible birth date and a broken e-mail address is accepted; the
    # warnings say which values were dropped, quoting them. Those values are on no signal, so
    # only the warning's line ties them to her: they must go with her signals.
    anna = replace(ANNA, birth="1980-02-31", email="q.zwartbroek@@example.org")
    bart = replace(BART, birth="1975-02-30")
    summary = ingest(cli, tmp_path, [anna.row("A-1"), bart.row("B-1")], "2026-11-02T08:00")
    assert summary["accepted_with_warning"] == 2
    dropped = ["1980-02-31", "q.zwartbroek@@"]
    assert {t for t, _, _ in found(cli.db, dropped)} == {"ingest_issues"}

    erased = cli.json("erase", "--phone", ANNA.phone, "--now", "2026-11-03T10:00")

    assert erased["rows"]["ingest_issues"] == 2
    assert found(cli.db, dropped) == []
    assert found(cli.db, ["1975-02-30"])  # Bart's warning stays: it is not hers


def test_a_stop_after_erasure_adds_no_second_opt_out(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    cli.json("erase", "--phone", ANNA.phone, "--by", "privacy-team", "--now", "2026-11-03T10:00")
    cli.json("reply", "--channel", "sms", "--sender", ANNA.e164, "--text", "STOP",
             "--now", "2026-11-04T10:00")  # fmt: skip
    # Still one row for her, the hashed one: a later erasure has nothing to fold away, so
    # the monitor's opt-out count for November cannot change.
    opt_outs = [v for t, c, v in every_cell(cli.db) if t == "opt_outs" and c == "address"]
    assert len(opt_outs) == 1 and opt_outs[0].startswith("h:")


def test_partner_feedback_leaves_out_what_was_erased(cli: Cli, tmp_path: Path) -> None:
    _town(cli, tmp_path)
    cli.json("erase", "--phone", ANNA.phone, "--by", "privacy-team", "--now", "2026-11-03T10:00")
    out = tmp_path / "feedback"
    out.mkdir()
    code, _, err = cli.run("feedback", "--from", "2026-11-01", "--to", "2026-11-30",
                           "--out", str(out), "--now", "2026-12-15T12:00")  # fmt: skip
    assert code == 0, err
    written = "".join(f.read_text(encoding="utf-8") for f in sorted(out.iterdir()))
    assert "B-1" in written  # Bart's signal is reported as usual
    assert "A-1" not in written and "erased" not in written


def test_a_new_signal_at_her_address_opens_a_new_case_not_her_erased_one(
    cli: Cli, tmp_path: Path
) -> None:
    """Her housemate's small signal (it opened no case) keeps the address, and so the
    household, after she is erased; a new signal there within the look-back, which would
    re-open the household's case closed last, opens a new case instead of her erased one."""
    housemate = replace(
        CARLA, street=ANNA.street, number=ANNA.number, postcode=ANNA.postcode, city=ANNA.city
    )
    ingest(cli, tmp_path, [ANNA.row("A-1"), housemate.row("C-1", amount="40")], "2026-11-02T08:00")
    (hers,) = cli.json("cases", "--state", "open")
    erased = cli.json("erase", "--phone", ANNA.phone, "--now", "2026-11-03T10:00")
    assert erased["cases"] == [hers["id"]]

    ingest(cli, tmp_path, [housemate.row("C-2", partner="Energie")], "2026-11-16T08:00")

    (new,) = cli.json("cases", "--state", "open")
    assert new["id"] != hers["id"]
    assert new["signals"] == ["C-2"]
    assert _case_state(cli.db, hers["id"]) == ("closed", "closed")
