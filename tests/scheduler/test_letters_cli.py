"""Letters by post, replayed over weeks through the CLI with `--now` (SQLite and PostgreSQL):
a case without a phone number gets a letter in the first batch, a home visit five working days
after the batch was posted, a card, and closes; batches never print a letter twice."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest

from app.settings import Settings
from bot.printer.batches import PostSettings, make_batch
from casework.letters import list_letters
from clock import Calendar
from store.engine import make_engine
from tests.conftest import Cli

HEADER = (
    "id,signaalpartner,bedrag,signaaldatum,voorletters,achternaam,straatnaam,huisnummer,"
    "postcode,plaatsnaam,telefoonnummer,crisissignaal,taal\n"
)
NO_PHONE = "N-1,Huur,640,2026-10-20,K.,Bakker,Laan,8,3512CD,Utrecht,,nee,nl"
WITH_PHONE = "P-1,Energie,320,2026-10-21,A.,Visser,Dorpsstraat,3,3512CE,Utrecht,+31612345678,nee,nl"


def ingest(cli: Cli, folder: Path, rows: list[str], now: str) -> None:
    path = folder / f"signals-{len(list(folder.glob('signals-*')))}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    cli.json("ingest", str(path), "--now", now)


def batch(cli: Cli, out: Path, now: str, *extra: str) -> dict[str, Any]:
    return dict(cli.json("letters", "batch", "--out", str(out), "--now", now, *extra))


def texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages]


def test_a_case_without_a_phone_gets_a_letter_then_a_visit_and_a_card_and_closes(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, [NO_PHONE], "2026-11-02T09:00")  # Monday
    cli.json("tick", "--now", "2026-11-02T09:00")
    (letter,) = cli.json("letters")
    assert (letter["message_key"], letter["status"], letter["batch"]) == (
        "letter.first_contact",
        "waiting",
        None,
    )
    assert cli.json("tasks", "--status", "open") == []  # no visit before the letter is posted

    first = batch(cli, tmp_path / "b1.pdf", "2026-11-02T15:00")
    assert first["letters"] == 1 and first["pages"] % 2 == 0  # duplex: whole sheets
    pages = texts(tmp_path / "b1.pdf")
    assert "K. Bakker" in pages[0] and "Laan 8" in pages[0] and "3512 CD" in pages[0]
    assert "640" not in "".join(pages) and "Huur" not in "".join(pages)  # no amount, no creditor
    # The same batch downloads again byte for byte; a second batch that day finds nothing new.
    again = batch(cli, tmp_path / "again.pdf", "2026-11-02T15:05", "--batch", str(first["batch"]))
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "b1.pdf").read_bytes()
    assert again["letters"] == 1
    assert batch(cli, tmp_path / "b2.pdf", "2026-11-02T15:10")["letters"] == 0
    assert not (tmp_path / "b2.pdf").exists()

    # Posted on Tuesday; confirming twice counts the letter once.
    assert cli.json("letters", "confirm", str(first["batch"]), "--now", "2026-11-03T09:00") == {
        "batch": first["batch"],
        "posted": 1,
    }
    assert cli.json("letters", "confirm", str(first["batch"]), "--now", "2026-11-04T09:00") == {
        "batch": first["batch"],
        "posted": 0,
    }
    (letter,) = cli.json("letters")
    assert letter["status"] == "posted"
    code, _, err = cli.run("letters", "batch", "--out", "x.pdf", "--batch", str(first["batch"]))
    assert code == 2 and "posted" in err  # a posted batch's PDF is not kept

    cli.json("tick", "--now", "2026-11-09T10:00")  # four working days: still waiting
    assert cli.json("tasks", "--status", "open") == []
    cli.json("tick", "--now", "2026-11-10T09:30")  # five working days after posting
    (visit,) = cli.json("tasks", "--status", "open")
    assert visit["kind"] == "home_visit"
    cli.json("task", "complete", str(visit["id"]), "--reached", "no", "--now", "2026-11-11T11:00")
    cli.json("tick", "--now", "2026-11-18T11:30")  # five working days after the card
    assert cli.json("cases", "--state", "open") == []
    ddas = cli.json(
        "export", "ddas", "--from", "2026-11-01", "--to", "2026-11-30", "--gemeentecode", "0344"
    )
    (zaak,) = ddas["leveringen"][0]["vroegsignaalzaken"]
    assert [(a["soort"], a["datum"]) for a in zaak["contactpogingen"]] == [
        ("Brief", "2026-11-03"),
        ("Huisbezoek", "2026-11-11"),
        ("Kaartje", "2026-11-11"),
    ]
    assert zaak["resultaat"] == "Definitief geen contact kunnen krijgen"


def test_a_letter_beside_the_first_sms_when_the_municipality_wants_one(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "zaadje.toml"
    config.write_text("[flows]\nletter_with_first_contact = true\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    ingest(cli, tmp_path, [WITH_PHONE], "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T10:00")
    (letter,) = cli.json("letters")
    assert letter["message_key"] == "letter.first_contact"
    sent = cli.json("outbox", "--all")
    assert sorted((m["channel"], m["message_key"]) for m in sent) == [
        ("letter", "letter.first_contact"),
        ("sms", "sms.first_contact"),
    ]
    made = batch(cli, tmp_path / "b.pdf", "2026-11-02T15:00")
    assert made["letters"] == 1
    # The letter says the resident may also simply answer the SMS.
    assert "sms" in " ".join(texts(tmp_path / "b.pdf")).lower()


def test_cancelling_a_batch_returns_its_letters_to_the_next(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, tmp_path, [NO_PHONE], "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    first = batch(cli, tmp_path / "b1.pdf", "2026-11-02T15:00")
    assert cli.json("letters", "cancel", str(first["batch"]), "--now", "2026-11-02T15:30") == {
        "batch": first["batch"],
        "waiting_again": 1,
    }
    (letter,) = cli.json("letters")
    assert (letter["status"], letter["batch"]) == ("waiting", None)
    second = batch(cli, tmp_path / "b2.pdf", "2026-11-03T09:00")
    assert second["letters"] == 1 and second["batch"] != first["batch"]
    code, _, err = cli.run("letters", "confirm", str(first["batch"]))
    assert code == 2 and "cancelled" in err


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_batches_made_at_once_never_share_a_letter(cli: Cli, tmp_path: Path) -> None:
    rows = [
        f"N-{i},Huur,640,2026-10-20,K.,Bakker{i},Laan,{i + 1},3512CD,Utrecht,,nee,nl"
        for i in range(8)
    ]
    ingest(cli, tmp_path, rows, "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    settings = Settings(database_url=cli.db)
    post = PostSettings.from_config(settings.config)
    now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)

    async def both() -> list[Any]:
        engines = [make_engine(cli.db), make_engine(cli.db)]
        try:
            return list(
                await asyncio.gather(
                    *(
                        make_batch(e, post, Calendar(), date(2026, 11, 2), now, f"w{n}", 200)
                        for n, e in enumerate(engines)
                    )
                )
            )
        finally:
            for engine in engines:
                await engine.dispose()

    made = [m for m in asyncio.run(both()) if m is not None]
    assert sum(m.letters for m in made) == 8

    async def letters() -> list[dict[str, Any]]:
        engine = make_engine(cli.db)
        try:
            async with engine.connect() as conn:
                return await list_letters(conn)
        finally:
            await engine.dispose()

    listed = asyncio.run(letters())
    assert all(letter["status"] == "batched" for letter in listed)
    per_batch = {m.batch: m.letters for m in made}
    assert sorted(per_batch.values()) == sorted(
        [sum(1 for letter in listed if letter["batch"] == b) for b in per_batch]
    )


def test_erasing_a_resident_deletes_the_open_batch_that_names_them(
    cli: Cli, tmp_path: Path
) -> None:
    ingest(cli, tmp_path, [NO_PHONE], "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    made = batch(cli, tmp_path / "b1.pdf", "2026-11-02T15:00")
    erased = cli.json("erase", "--case", "1", "--now", "2026-11-02T16:00")
    assert erased["rows"]["letter_batches"] == 1
    code, _, err = cli.run("letters", "batch", "--out", "x.pdf", "--batch", str(made["batch"]))
    assert code == 2 and "not kept" in err


def test_a_ladder_letter_the_catalogues_do_not_have_is_a_clear_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "zaadje.toml"
    config.write_text(
        '[flows.ladders.no_phone.steps.letter]\nmessage = "letter.nope"\n', encoding="utf-8"
    )
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    code, _, err = cli.run("tick", "--now", "2026-11-02T09:00")
    assert code == 2
    assert "ladders.no_phone.steps.letter.message: 'letter.nope' is not a letter" in err


def test_a_case_that_ends_before_the_batch_gets_no_letter(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "zaadje.toml"
    config.write_text("[flows]\nletter_with_first_contact = true\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    ingest(cli, tmp_path, [WITH_PHONE], "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T10:00")
    reply = ("reply", "--channel", "sms", "--sender", "+31612345678", "--text", "3")
    cli.json(*reply, "--now", "2026-11-02T11:00")  # already arranged: the case closes
    assert batch(cli, tmp_path / "b.pdf", "2026-11-02T15:00")["letters"] == 0
    (letter,) = cli.json("letters")
    assert letter["status"] == "cancelled"


def test_an_erased_residents_letter_does_not_return_with_a_cancelled_batch(
    cli: Cli, tmp_path: Path
) -> None:
    other = "N-2,Huur,640,2026-10-20,B.,Smit,Laan,9,3512CD,Utrecht,,nee,nl"
    ingest(cli, tmp_path, [NO_PHONE, other], "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    made = batch(cli, tmp_path / "b1.pdf", "2026-11-02T15:00")
    assert made["letters"] == 2
    cli.json("erase", "--case", "1", "--now", "2026-11-02T15:30")
    cli.json("letters", "cancel", str(made["batch"]), "--now", "2026-11-02T15:40")
    again = batch(cli, tmp_path / "b2.pdf", "2026-11-03T09:00")
    assert again["letters"] == 1
    assert "Smit" in " ".join(texts(tmp_path / "b2.pdf"))


def test_the_days_capacity_holds_for_all_of_its_batches(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        f"N-{i},Huur,640,2026-10-20,K.,Bakker{i},Laan,{i + 1},3512CD,Utrecht,,nee,nl"
        for i in range(3)
    ]
    ingest(cli, tmp_path, rows, "2026-11-02T09:00")
    cli.json("tick", "--now", "2026-11-02T09:00")
    assert len(cli.json("letters")) == 3  # three letters waiting
    config = tmp_path / "zaadje.toml"
    config.write_text("[capacity]\nletters_per_day = 2\n", encoding="utf-8")
    monkeypatch.setenv("ZAADJE_CONFIG", str(config))
    assert batch(cli, tmp_path / "b1.pdf", "2026-11-02T15:00")["letters"] == 2
    assert batch(cli, tmp_path / "b2.pdf", "2026-11-02T15:05")["letters"] == 0  # the day is full
    assert batch(cli, tmp_path / "b3.pdf", "2026-11-03T09:30")["letters"] == 1  # the next day
