"""Whole cases replayed over weeks through the CLI with `--now`, on SQLite and PostgreSQL:
what a resident receives, what a caseworker gets to do, and how each case ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

HEADER = (
    "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer,"
    "crisissignaal,taal\n"
)
PHONE = "+31612345678"


class Town:
    """A small municipality driven through the CLI, one moment at a time."""

    def __init__(self, cli: Cli, tmp_path: Path) -> None:
        self.cli = cli
        self.tmp = tmp_path

    def ingest(self, rows: list[str], now: str) -> dict[str, Any]:
        path = self.tmp / f"signals-{len(list(self.tmp.iterdir()))}.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        return self.cli.json("ingest", str(path), "--now", now)

    def tick(self, now: str) -> dict[str, Any]:
        return self.cli.json("tick", "--now", now)

    def reply(self, text: str, now: str, sender: str = PHONE, **kw: str) -> dict[str, Any]:
        extra = [a for k, v in kw.items() for a in (f"--{k}", v)]
        return self.cli.json(
            "reply", "--channel", "sms", "--sender", sender, "--text", text, "--now", now, *extra
        )

    def sent(self) -> list[dict[str, Any]]:
        return self.cli.json("outbox")

    def sent_keys(self) -> list[str]:
        return [m["message_key"] for m in self.sent()]

    def tasks(self, status: str = "open") -> list[dict[str, Any]]:
        return self.cli.json("tasks", "--status", status)

    def complete(self, task: dict[str, Any], now: str, *args: str) -> dict[str, Any]:
        return self.cli.json("task", "complete", str(task["id"]), "--now", now, *args)

    def case(self) -> dict[str, Any]:
        (case,) = self.cli.json("cases")
        return case


@pytest.fixture
def town(cli: Cli, tmp_path: Path) -> Town:
    return Town(cli, tmp_path)


RESIDENT = f"A-1,Huur,640,2026-10-20,Jansen,12,1234AB,{PHONE},nee,"


def test_no_answer_walks_the_whole_ladder(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T08:00")  # Monday
    early = town.tick("2026-11-02T08:30")
    assert early["planned"] == 1 and early["sent"] == 0  # before 09:00 nothing goes out
    assert town.tick("2026-11-02T09:00")["sent"] == 1
    (first,) = town.sent()
    assert first["message_key"] == "sms.first_contact" and first["to"] == PHONE
    assert "Stuur 1" in first["text"] and "schuld" not in first["text"].lower()

    assert town.tick("2026-11-04T12:00")["sent"] == 0  # waits 3 working days
    assert town.tick("2026-11-05T09:00")["sent"] == 1
    assert town.sent_keys() == ["sms.first_contact", "sms.reminder"]

    escalation = town.tick("2026-11-09T09:00")  # 2 more working days: a phone call
    assert escalation["escalated"] == 1
    (call,) = town.tasks()
    assert call["kind"] == "phone"

    town.complete(call, "2026-11-09T10:00", "--reached", "no", "--daypart", "Ochtend")
    (second,) = town.tasks()
    assert second["kind"] == "phone" and second["daypart"] in ("Middag", "Avond")
    town.tick("2026-11-09T10:05")
    missed = town.sent()[-1]
    assert missed["message_key"] == "sms.after_missed_call"
    assert "werkdag" in missed["text"]

    town.complete(second, "2026-11-10T18:00", "--reached", "no", "--daypart", "Avond")
    (visit,) = town.tasks()
    assert visit["kind"] == "home_visit"
    town.complete(visit, "2026-11-12T14:00", "--reached", "no")  # not home: a card is left
    assert town.case()["state"] == "open"
    closing = town.tick("2026-11-19T14:00")  # 5 working days for a reaction
    assert closing["closed"] == 1
    case = town.case()
    assert case["state"] == "closed" and case["result"] == "Definitief geen contact kunnen krijgen"
    # Nothing more is sent to a closed case.
    assert town.tick("2026-11-30T10:00")["sent"] == 0
    assert town.sent_keys() == ["sms.first_contact", "sms.reminder", "sms.after_missed_call"]


def test_reply_1_asks_the_daypart_then_a_callback_closes_the_case(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    answer = town.reply("1", "2026-11-02T11:00", sender="06-12345678")
    assert answer["intent"] == "menu_call" and answer["case"] is not None
    assert "send sms.callback.ask_daypart" in answer["actions"]
    daypart = town.reply("'s avonds graag", "2026-11-02T11:30")
    assert daypart["intent"] == "daypart"
    town.tick("2026-11-02T11:31")
    assert town.sent_keys()[-2:] == ["sms.callback.ask_daypart", "sms.callback.confirmed"]
    assert "avond" in town.sent()[-1]["text"].lower()
    (callback,) = town.tasks()
    assert callback["kind"] == "callback" and callback["daypart"] == "Avond"
    # The ladder's reminder is not sent while the call is planned.
    assert town.tick("2026-11-05T12:00")["sent"] == 0
    town.cli.json("task", "claim", str(callback["id"]), "--user", "marieke")
    town.complete(
        callback,
        "2026-11-03T18:30",
        "--reached",
        "yes",
        "--result",
        "(Budget)advies en/of quick fix",
    )
    case = town.case()
    assert case["state"] == "closed" and case["result"] == "(Budget)advies en/of quick fix"


@pytest.mark.parametrize(
    ("text", "result", "answer"),
    [
        ("2", "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering", "sms.no_thanks"),
        ("3", "Inwoner heeft zelf al betaald/betalingsregeling getroffen", "sms.already_arranged"),
    ],
)
def test_reply_2_and_3_close_with_their_ddas_result(
    town: Town, text: str, result: str, answer: str
) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    town.reply(text, "2026-11-03T09:30")
    town.tick("2026-11-03T09:31")
    assert town.sent_keys() == ["sms.first_contact", answer]
    case = town.case()
    assert case["state"] == "closed" and case["result"] == result
    assert town.tick("2026-11-10T10:00")["sent"] == 0


def test_stop_silences_every_automatic_message_until_start(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    stop = town.reply("Stop!", "2026-11-02T12:00")
    assert stop["intent"] == "stop" and "opt-out" in stop["actions"]
    town.tick("2026-11-02T12:01")
    assert town.sent_keys() == ["sms.first_contact", "sms.optout_confirmed"]
    # The reminder's timer runs out, weeks pass: no message to this number.
    for day in ("2026-11-05T10:00", "2026-11-09T10:00", "2026-11-16T10:00"):
        town.tick(day)
    assert town.sent_keys() == ["sms.first_contact", "sms.optout_confirmed"]
    review = [t for t in town.tasks() if t["kind"] == "review"]
    assert len(review) == 1  # a person decides what happens next
    # A second STOP does not send a second confirmation.
    town.reply("STOP", "2026-11-16T11:00")
    town.tick("2026-11-16T11:01")
    assert town.sent_keys().count("sms.optout_confirmed") == 1
    town.reply("start", "2026-11-17T10:00")
    town.tick("2026-11-17T10:01")
    assert town.sent_keys()[-1] == "sms.start"


def test_messages_wait_for_contact_hours_weekends_and_holidays(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    town.reply("1", "2026-11-07T21:30")  # Saturday evening
    assert town.tick("2026-11-07T21:31")["sent"] == 0
    assert town.tick("2026-11-08T12:00")["sent"] == 0  # Sunday
    monday = town.tick("2026-11-09T09:00")
    assert monday["sent"] == 1
    assert town.sent()[-1]["message_key"] == "sms.callback.ask_daypart"
    assert town.sent()[-1]["sent_at"].startswith("2026-11-09T08:00")  # 09:00 Amsterdam

    other = "B-1,Energie,300,2026-12-01,Smit,4,1234AB,+31687654321,nee,"
    town.ingest([other], "2026-12-24T10:00")
    christmas = town.tick("2026-12-25T10:00")
    assert christmas["planned"] == 0 and christmas["sent"] == 0
    assert town.tick("2026-12-26T11:00")["sent"] == 0  # Tweede Kerstdag, a Saturday
    assert town.tick("2026-12-28T09:00")["planned"] == 1


def test_crisis_sends_and_calls_at_once_and_visits_after_two_working_days(town: Town) -> None:
    crisis = f"C-1,Energie,900,2026-10-28,Yılmaz,3,1234AB,{PHONE},ja,tr"
    town.ingest([crisis], "2026-11-02T10:00")
    first = town.tick("2026-11-02T10:00")
    assert first["sent"] == 1 and first["escalated"] == 1
    (call,) = town.tasks()
    assert call["kind"] == "phone"
    town.tick("2026-11-04T10:30")  # 2 working days without an outcome
    (visit,) = town.tasks()
    assert visit["kind"] == "home_visit"
    case = town.case()
    assert case["deadline"] == "2026-11-05"


def test_unknown_senders_are_answered_once_a_day_and_duplicates_change_nothing(town: Town) -> None:
    first = town.reply("Hallo wie is dit", "2026-11-02T10:00", sender="+31611111111", id="SM1")
    assert first["case"] is None and first["actions"] == ["send sms.unknown_sender"]
    again = town.reply("Hallo wie is dit", "2026-11-02T10:00", sender="+31611111111", id="SM1")
    assert again["duplicate"] is True
    later = town.reply("??", "2026-11-02T15:00", sender="+31611111111", id="SM2")
    assert later["actions"] == []
    town.tick("2026-11-02T15:01")
    assert town.sent_keys() == ["sms.unknown_sender"]
    stop = town.reply("STOP", "2026-11-02T16:00", sender="+31611111111", id="SM3")
    assert stop["intent"] == "stop"
    town.tick("2026-11-03T09:00")
    assert town.sent_keys() == ["sms.unknown_sender", "sms.optout_confirmed"]
    town.reply("wat?", "2026-11-04T10:00", sender="+31611111111", id="SM4")
    town.tick("2026-11-04T10:01")
    assert town.sent_keys() == ["sms.unknown_sender", "sms.optout_confirmed"]


def test_capacity_limits_todays_plan_and_the_rest_waits(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gemeente.toml"
    config.write_text("[capacity]\nmessages_per_day = 2\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    rows = [
        f"P-{i},{partner},{amount},2026-10-20,Naam,{i + 1},1234AB,+3161234560{i},nee,"
        for i, (partner, amount) in enumerate(
            [("Zorg", 100), ("Huur", 900), ("Energie", 500), ("Huur", 400)]
        )
    ]
    no_phone = "V-1,Zorg,90,2026-10-20,Naam,99,1234AB,,nee,"
    town.ingest([*rows, no_phone], "2026-11-02T08:00")
    first_day = town.tick("2026-11-02T09:00")
    # Two messages (the day's capacity), plus a letter for the resident without a phone
    # number: letters have a capacity of their own, however low that case's priority.
    assert first_day["planned"] == 3
    assert town.tasks() == []  # a letter first (the no_phone ladder), no home visit yet
    assert town.tick("2026-11-02T15:00")["planned"] == 0  # today's capacity is used
    planned = {m["to"] for m in town.sent()}
    assert planned == {"+31612345601", "+31612345603"}  # the two rent cases first
    assert town.tick("2026-11-03T09:00")["planned"] == 2


def test_unclear_replies_go_to_a_person_with_one_acknowledgement(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    first = town.reply("ik snap het niet, wie bent u", "2026-11-02T11:00")
    second = town.reply("hallo??", "2026-11-02T11:10")
    assert first["intent"] == second["intent"] == "unknown"
    town.tick("2026-11-02T11:11")
    assert town.sent_keys().count("sms.not_understood") == 1
    (review,) = [t for t in town.tasks() if t["kind"] == "review"]
    assert "wie bent u" in review["note"] and "hallo??" in review["note"]


def test_a_resident_can_switch_language(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    switched = town.reply("English please", "2026-11-02T11:00")
    assert switched["intent"] == "language"
    town.tick("2026-11-02T11:01")
    confirmation = town.sent()[-1]
    assert confirmation["message_key"] == "sms.language_changed"
    assert confirmation["locale"] == "en" and "English" in confirmation["text"]
    town.tick("2026-11-05T10:30")  # 3 working days after the first contact
    reminder = town.sent()[-1]
    assert reminder["message_key"] == "sms.reminder" and reminder["locale"] == "en"
    assert town.case()["locale"] == "en"


def test_an_outdated_deadline_never_cancels_the_home_visit(town: Town) -> None:
    """The crisis call's 2-day deadline must not fire once the call was already missed."""
    crisis = f"C-2,Huur,900,2026-10-28,Smit,5,1234AB,{PHONE},ja,"
    town.ingest([crisis], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    (call,) = town.tasks()
    town.complete(call, "2026-11-03T10:00", "--reached", "no")
    (visit,) = town.tasks()
    assert visit["kind"] == "home_visit"
    town.tick("2026-11-04T10:30")  # when the call's deadline would have been
    assert [t["kind"] for t in town.tasks()] == ["home_visit"]
    assert town.case()["state"] == "open"


def test_a_new_signal_reopens_a_recent_case_with_one_gentle_message(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    town.reply("2", "2026-11-02T11:00")  # no thanks
    town.tick("2026-11-02T11:01")
    assert town.case()["state"] == "closed"
    again = f"E-9,Energie,450,2026-12-01,Jansen,12,1234AB,{PHONE},nee,"
    summary = town.ingest([again], "2026-12-07T10:00")
    assert summary["cases_opened"] == 0  # the recent case is re-opened instead
    case = town.case()
    assert case["state"] == "open" and sorted(case["signals"]) == ["A-1", "E-9"]
    town.tick("2026-12-07T10:05")
    assert town.sent_keys() == ["sms.first_contact", "sms.no_thanks", "sms.welcome_back"]
    for day in ("2026-12-10T10:00", "2026-12-15T10:00", "2026-12-21T10:00"):
        town.tick(day)
    assert town.sent_keys().count("sms.welcome_back") == 1
    assert "sms.reminder" not in town.sent_keys()


def test_a_new_crisis_signal_moves_a_running_case_to_the_crisis_ladder(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    crisis = f"E-1,Energie,800,2026-11-02,Jansen,12,1234AB,{PHONE},ja,"
    town.ingest([crisis], "2026-11-03T09:00")
    result = town.tick("2026-11-03T09:05")
    assert result["escalated"] == 1
    assert [t["kind"] for t in town.tasks()] == ["phone"]


def test_a_stored_reply_whose_handling_failed_is_handled_by_the_next_tick(town: Town) -> None:
    """As if the process died between storing a webhook's message and handling it."""
    from datetime import datetime

    from sqlalchemy import insert

    from store.engine import make_engine
    from store.models import Inbound
    from tests.conftest import run_sync

    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")

    async def store_only() -> None:
        engine = make_engine(town.cli.db)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(Inbound),
                    {
                        "channel": "sms",
                        "provider_id": "SM-crashed",
                        "sender": PHONE,
                        "text": "3",
                        "received_at": datetime.fromisoformat("2026-11-02T11:00+01:00"),
                    },
                )
        finally:
            await engine.dispose()

    run_sync(store_only)
    town.tick("2026-11-02T11:30")
    assert town.case()["result"] == "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
    assert town.sent_keys()[-1] == "sms.already_arranged"


def test_a_municipality_changes_its_ladder_in_its_own_config(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gemeente.toml"
    config.write_text(
        '[gemeente]\nnaam = "Utrecht"\ntelefoon = "14 030"\n\n'
        "[flows.ladders.default.steps.wait_first]\nworking_days = 1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    assert "Gemeente Utrecht" in town.sent()[0]["text"] and "14 030" in town.sent()[0]["text"]
    town.tick("2026-11-03T10:00")  # one working day instead of three
    assert town.sent_keys() == ["sms.first_contact", "sms.reminder"]


def test_a_broken_ladder_in_the_config_is_one_clear_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "gemeente.toml"
    config.write_text("[flows.ladders.default.steps.wait_first]\nworking_days = -2\n")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    code, out, err = cli.run("tick", "--now", "2026-11-02T10:00")
    assert code == 2 and out == ""
    assert "wait_first" in err and "Traceback" not in err


def test_a_reopened_case_waits_and_is_due_from_its_reopening(town: Town) -> None:
    town.ingest([RESIDENT], "2026-06-01T10:00")
    town.tick("2026-06-01T10:00")
    town.reply("3", "2026-06-01T11:00")  # already arranged: closed
    town.tick("2026-06-01T11:01")
    again = f"E-7,Energie,450,2026-11-16,Jansen,12,1234AB,{PHONE},nee,"
    town.ingest([again], "2026-11-20T10:00")
    case = town.cli.json("cases", "--now", "2026-11-20T10:00")[0]
    assert case["state"] == "open"
    assert not any(r.startswith("Wacht al") for r in case["reasons"])
    assert case["deadline"] == "2026-12-04"  # 10 working days from the re-opening


def test_a_municipality_uses_its_own_wording(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "teksten" / "nl" / "LC_MESSAGES"
    own.mkdir(parents=True)
    (own / "zaadje.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: nl\\n"\n\n'
        'msgctxt "sms.first_contact"\nmsgid "x"\n'
        'msgstr "Gemeente {gemeente}: Hoi! Wij helpen graag. Stuur 1, 2 of 3. Bel {telefoon}."\n',
        encoding="utf-8",
    )
    config = tmp_path / "gemeente.toml"
    config.write_text(f'[messages]\noverride_dir = "{own.parents[1]}"\n', encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    town.ingest([RESIDENT], "2026-11-02T10:00")
    town.tick("2026-11-02T10:00")
    assert town.sent()[0]["text"] == (
        "Gemeente Voorbeeld: Hoi! Wij helpen graag. Stuur 1, 2 of 3. Bel 14 020."
    )


def test_an_answer_at_night_withdraws_the_reminder_queued_for_the_morning(town: Town) -> None:
    town.ingest([RESIDENT], "2026-11-02T08:00")  # Monday
    town.tick("2026-11-02T09:00")  # first SMS
    # The reminder falls due on Thursday, but the scheduler only gets to it at night:
    # the SMS waits for Friday morning.
    town.tick("2026-11-05T21:30")
    queued = town.cli.json("outbox", "--all")
    assert [(m["message_key"], m["status"]) for m in queued][-1] == ("sms.reminder", "pending")

    town.reply("1", "2026-11-05T22:00")  # the resident answers the first SMS that night
    town.tick("2026-11-06T09:00")
    assert "sms.reminder" not in town.sent_keys()
    by_key = {m["message_key"]: m for m in town.cli.json("outbox", "--all")}
    assert by_key["sms.reminder"]["status"] == "withdrawn"
    assert by_key["sms.reminder"]["sent_at"] is None
    assert by_key["sms.callback.ask_daypart"]["status"] == "delivered"
