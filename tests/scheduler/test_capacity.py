"""The capacity the plan keeps to, through the CLI on SQLite and PostgreSQL: each working day
gets at most `[capacity]` phone calls and home visits, highest priority first; the rest is
workable on a later working day (`zaadje tasks` shows its `not_before`). Crisis work is never
moved and a claimed task stays where it is. New outreach fills `messages_per_day` for
residents with a usable phone number and `letters_per_day` for those without."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.settings import Settings
from app.wiring import context_for
from scheduler.capacity import keep_capacity
from store.engine import make_engine
from tests.conftest import Cli, fresh_database, run_sync

AMS = ZoneInfo("Europe/Amsterdam")
HEADER = (
    "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer,"
    "crisissignaal,taal\n"
)
# Ten residents with rent arrears of different amounts (so each has its own priority), and
# two crisis signals (an energy disconnection).
RESIDENTS = [
    f"R-{i},Huur,{200 + 100 * i},2026-10-20,Naam,{i + 1},1234AB,+316123456{i:02d},nee,"
    for i in range(10)
]
CRISES = [
    f"C-{i},Energie,{300 + 100 * i},2026-11-01,Naam,{i + 50},1234AB,+316123457{i:02d},ja,"
    for i in range(2)
]
# Phone tasks due on the day they become workable: "10 calls due today".
PHONE_DUE_TODAY = "[flows.ladders.default.steps.phone_1]\ndue_working_days = 0\n"


class Town:
    """A municipality driven through the CLI, with its own settings file."""

    def __init__(self, cli: Cli, folder: Path, config: Path) -> None:
        self.cli = cli
        self.folder = folder
        self.config = config  # named by ZAADJE_CONFIG

    def configure(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def ingest(self, rows: list[str], now: str) -> dict[str, Any]:
        path = self.folder / f"signals-{len(list(self.folder.glob('signals-*')))}.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        return self.cli.json("ingest", str(path), "--now", now)

    def tick(self, now: str) -> dict[str, Any]:
        return self.cli.json("tick", "--now", now)

    def tasks(self, status: str | None = None) -> list[dict[str, Any]]:
        return self.cli.json("tasks", *(["--status", status] if status else []))

    def crisis_cases(self) -> set[int]:
        return {c["id"] for c in self.cli.json("cases") if c["crisis"]}


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "gemeente.toml"
    monkeypatch.setenv("ZAADJE_CONFIG", str(path))
    return path


@pytest.fixture
def town(cli: Cli, tmp_path: Path, config: Path) -> Town:
    return Town(cli, tmp_path, config)


def local_day(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(AMS).date()


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(AMS)


def calls_up_to_the_phone_step(town: Town, rows: list[str]) -> None:
    """Residents who do not answer: first contact on Wednesday 4 November, a reminder on
    Monday 9 November, and on Wednesday 11 November 09:00 a phone task each."""
    town.ingest(rows, "2026-11-04T08:00")
    town.tick("2026-11-04T09:00")
    town.tick("2026-11-09T09:00")
    town.ingest(CRISES, "2026-11-11T08:00")  # two crisis cases come in that morning


WED, THU, FRI, MON = date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 13), date(2026, 11, 16)


def test_a_full_day_moves_the_rest_to_the_next_working_days_in_priority_order(
    town: Town,
) -> None:
    town.configure("[capacity]\nphone_calls_per_day = 3\n" + PHONE_DUE_TODAY)
    calls_up_to_the_phone_step(town, RESIDENTS)
    tick = town.tick("2026-11-11T09:00")
    assert tick["tasks_created"] == 12 and tick["moved"] == 7

    crisis = town.crisis_cases()
    tasks = town.tasks("open")  # by priority, highest first
    assert len(tasks) == 12 and all(t["kind"] == "phone" for t in tasks)
    # Every crisis case is called today, on top of the day's three.
    assert [local_day(t["not_before"]) for t in tasks if t["case"] in crisis] == [WED, WED]
    others = [t for t in tasks if t["case"] not in crisis]
    days = [local_day(t["not_before"]) for t in others]
    # Highest priority first: 3 today, 3 on each next working day, the last after the weekend.
    assert days == [WED] * 3 + [THU] * 3 + [FRI] * 3 + [MON]
    assert [t["priority"] for t in others] == sorted((t["priority"] for t in others), reverse=True)
    for task in others:
        start, due = local(task["not_before"]), local(task["due"])
        # Workable from the start of contact hours on its day, due at its end (the call was
        # due the day it became workable: moved by as many working days as the task).
        assert start.time().isoformat() == "09:00:00"
        assert due.date() == start.date() and due.time().isoformat() == "20:00:00"
    # Today's queue: the three calls and the crisis calls; the others wait.
    workable_now = [t for t in tasks if local(t["not_before"]) <= local("2026-11-11T09:00+01:00")]
    assert len(workable_now) == 3 + 2


def test_keeping_to_capacity_is_idempotent_and_counts_the_work_done_today(town: Town) -> None:
    town.configure("[capacity]\nphone_calls_per_day = 3\n" + PHONE_DUE_TODAY)
    calls_up_to_the_phone_step(town, RESIDENTS)
    town.tick("2026-11-11T09:00")
    placed = town.tasks()
    again = town.tick("2026-11-11T09:00")
    assert again["moved"] == 0 and town.tasks() == placed
    # A caseworker makes one of today's calls: the day's capacity is used all the same, so
    # nothing comes forward or moves, later that day either.
    crisis = town.crisis_cases()
    first = next(t for t in placed if t["case"] not in crisis)
    town.cli.json(
        "task", "complete", str(first["id"]), "--reached", "yes",
        "--result", "(Budget)advies en/of quick fix", "--now", "2026-11-11T10:00",
    )  # fmt: skip
    assert town.tick("2026-11-11T10:05")["moved"] == 0
    assert town.tasks("open") == [t for t in placed if t["id"] != first["id"]]


@pytest.fixture
def other_db(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh database on the same backend as `db_url`."""
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    folder = tmp_path / "other"
    folder.mkdir()
    yield from fresh_database(request, backend, folder)


def test_the_order_in_which_tasks_were_created_does_not_matter(
    town: Town, other_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same residents, taken in in the opposite order (so their cases and tasks get other
    ids, and the calls come in two batches), end up on the same days."""
    config = "[capacity]\nphone_calls_per_day = 3\n" + PHONE_DUE_TODAY
    town.configure(config)
    calls_up_to_the_phone_step(town, RESIDENTS)
    town.tick("2026-11-11T09:00")

    folder = tmp_path / "reversed"
    folder.mkdir()
    other = Town(Cli(other_db, capsys), folder, town.config)  # the same municipality
    reversed_rows = RESIDENTS[::-1]
    # Half of them a day later: their calls are created (and placed) a day after the others'.
    other.ingest(reversed_rows[5:], "2026-11-04T08:00")
    other.tick("2026-11-04T09:00")
    other.ingest(reversed_rows[:5], "2026-11-04T12:00")
    other.tick("2026-11-04T12:00")
    other.tick("2026-11-09T09:00")
    other.tick("2026-11-09T12:00")
    other.ingest(CRISES[::-1], "2026-11-11T08:00")
    other.tick("2026-11-11T09:00")
    other.tick("2026-11-11T12:00")

    def days(t: Town) -> list[tuple[int, date, date]]:
        return sorted(
            (task["priority"], local_day(task["not_before"]), local_day(task["due"]))
            for task in t.tasks("open")
        )

    assert days(other) == days(town)


def test_a_claimed_task_stays_and_takes_its_place(town: Town) -> None:
    """Someone is ill: the coordinator lowers the day's calls from 3 to 2. The call a
    caseworker already took stays today (the lower-priority one of the three); of the two
    open ones only the higher-priority one still fits."""
    town.configure("[capacity]\nphone_calls_per_day = 3\n" + PHONE_DUE_TODAY)
    calls_up_to_the_phone_step(town, RESIDENTS)
    town.tick("2026-11-11T09:00")
    crisis = town.crisis_cases()
    today = [
        t
        for t in town.tasks("open")
        if t["case"] not in crisis and local_day(t["not_before"]) == WED
    ]
    high, middle, low = today
    town.cli.json("task", "claim", str(low["id"]), "--user", "ria")

    town.configure("[capacity]\nphone_calls_per_day = 2\n" + PHONE_DUE_TODAY)
    assert town.tick("2026-11-11T09:30")["moved"] >= 1
    after = {t["id"]: t for t in town.tasks()}
    assert after[low["id"]]["status"] == "claimed"
    assert after[low["id"]]["not_before"] == low["not_before"]  # never moved
    assert local_day(after[high["id"]]["not_before"]) == WED
    assert local_day(after[middle["id"]]["not_before"]) == THU
    # The crisis calls stay today whatever the capacity.
    assert {local_day(t["not_before"]) for t in after.values() if t["case"] in crisis} == {WED}
    per_day = Counter(local_day(t["not_before"]) for t in after.values() if t["case"] not in crisis)
    assert per_day[WED] == 2 and all(n <= 2 for n in per_day.values())


def test_two_workers_at_once_place_the_tasks_once(town: Town, db_url: str) -> None:
    """Two scheduler processes run the capacity pass at the same moment (on PostgreSQL each
    on its own connection): one of them places the tasks, and the result is that of one."""
    town.configure("[capacity]\nphone_calls_per_day = 3\n" + PHONE_DUE_TODAY)
    calls_up_to_the_phone_step(town, RESIDENTS)
    town.tick("2026-11-11T09:00")
    town.configure("[capacity]\nphone_calls_per_day = 2\n" + PHONE_DUE_TODAY)  # fewer today
    settings = Settings(database_url=db_url, config_path=str(town.config), secret_key_value="k")
    now = local("2026-11-11T09:30+01:00")

    async def two_workers() -> tuple[list[int], int]:
        engines = [make_engine(db_url), make_engine(db_url)]
        try:
            contexts = [context_for(settings, e, with_channels=False) for e in engines]
            moved = await asyncio.gather(*(keep_capacity(c, now) for c in contexts))
            return list(moved), await keep_capacity(contexts[0], now)
        finally:
            for engine in engines:
                await engine.dispose()

    moved, again = run_sync(two_workers)
    # Moved: one of the three on Wednesday, two of Thursday's, all of Friday's and Monday's.
    assert sorted(moved) == [0, 7] and again == 0
    crisis = town.crisis_cases()
    others = [t for t in town.tasks("open") if t["case"] not in crisis]
    days = [local_day(t["not_before"]) for t in others]
    assert days == [WED] * 2 + [THU] * 2 + [FRI] * 2 + [MON] * 2 + [date(2026, 11, 17)] * 2


def test_home_visits_keep_to_their_own_capacity(town: Town) -> None:
    """A municipality that visits at once: five home visits, two a day."""
    town.configure(
        "[capacity]\nhome_visits_per_day = 2\n"
        '[flows.ladders.default]\norder = ["home_visit", "wait_card", "no_contact"]\n'
    )
    town.ingest(RESIDENTS[:5], "2026-11-13T08:00")  # a Friday
    tick = town.tick("2026-11-13T10:00")
    assert tick["tasks_created"] == 5 and tick["moved"] == 3
    visits = town.tasks("open")
    assert [t["kind"] for t in visits] == ["home_visit"] * 5
    days = [local_day(t["not_before"]) for t in visits]
    assert days == [FRI, FRI, MON, MON, date(2026, 11, 17)]
    # Due 5 working days after the visit became workable, moved along with it.
    dues = [local_day(t["due"]) for t in visits]
    assert dues == [date(2026, 11, 20)] * 2 + [date(2026, 11, 23)] * 2 + [date(2026, 11, 24)]
    assert town.tick("2026-11-13T10:00")["moved"] == 0
    assert town.tasks("open") == visits


def test_new_outreach_without_a_phone_number_fills_the_letters_capacity(town: Town) -> None:
    """No messages today; three letters a day; one home visit a day does not limit them."""
    town.configure(
        "[capacity]\nmessages_per_day = 0\nletters_per_day = 3\nhome_visits_per_day = 1\n"
    )
    # A resident whose number opted out of our messages earlier has no usable number either.
    town.cli.json(
        "reply", "--channel", "sms", "--sender", "+31612345699", "--text", "STOP",
        "--now", "2026-11-01T12:00",
    )  # fmt: skip
    opted_out = "O-1,Huur,2000,2026-10-20,Naam,90,1234AB,+31612345699,nee,"
    with_phone = RESIDENTS[:2]  # +31612345600, +31612345601
    without = [
        f"N-{i},Huur,{300 + 100 * i},2026-10-20,Naam,{i + 70},1234AB,,nee," for i in range(3)
    ]
    town.ingest([*with_phone, opted_out, *without], "2026-11-02T08:00")
    # The opted-out number (highest priority) and the two highest without a number.
    assert town.tick("2026-11-02T09:00")["planned"] == 3
    assert town.tick("2026-11-02T15:00")["planned"] == 0  # today's letters are used
    assert town.tick("2026-11-03T09:00")["planned"] == 1  # the last one without a number
    # No SMS went to the residents with a number: there was no room for messages.
    assert not {m["to"] for m in town.cli.json("outbox", "--all")} & {
        "+31612345600",
        "+31612345601",
    }
