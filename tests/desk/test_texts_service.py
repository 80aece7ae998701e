"""The communicators' text service on SQLite and PostgreSQL: drafts, four-eyes approval that
publishes at once, rejection, history, and the next message to a resident using the new text.

Every test works on a compiled copy of the shipped catalogues; the repository's own
catalogues are checked to be untouched afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.access import User
from desk.texts import changes
from desk.texts.changes import Blocked, NotAllowed, TextError
from desk.texts.overview import overview
from messages import publish, render
from messages.keys import KEYS
from store.engine import make_engine
from tests.conftest import Cli, run_sync

ANNA = User(1, "anna", "communicator")
BRAM = User(2, "bram", "communicator")
CHRIS = User(3, "chris", "caseworker")
ROOT = User(4, "root", "admin")
CITY = {"gemeente": "Utrecht", "telefoon": "14 030"}
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engine(db_url: str, catalogues: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


def first_contact() -> str:
    return publish.current("sms.first_contact", "nl").text


def friendlier() -> str:
    return first_contact().replace("Goedendag.", "Hallo.")


async def test_a_draft_approved_by_a_second_person_is_published_with_its_history(
    engine: AsyncEngine,
) -> None:
    old = first_contact()
    draft = await changes.save_draft(
        engine, ANNA, "sms.first_contact", "nl", [friendlier()], now=T0
    )
    assert (draft.status, draft.author_name, draft.before, draft.after) == (
        "pending",
        "anna",
        (old,),
        (friendlier(),),
    )
    # A draft is not live: residents still get the published text.
    assert render("sms.first_contact", "nl", **CITY).startswith("Gemeente Utrecht: Goedendag.")

    with pytest.raises(NotAllowed, match="cannot approve your own draft"):
        await changes.approve(engine, ANNA, draft.id, draft.revision)
    with pytest.raises(NotAllowed):
        await changes.approve(engine, CHRIS, draft.id, draft.revision)  # a caseworker
    assert first_contact() == old

    later = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
    done = await changes.approve(engine, BRAM, draft.id, draft.revision, now=later)

    assert (done.status, done.reviewer_name, done.published_at) == ("published", "bram", later)
    assert first_contact() == friendlier()
    assert render("sms.first_contact", "nl", **CITY).startswith("Gemeente Utrecht: Hallo.")
    (entry,) = await changes.history(engine, key="sms.first_contact")
    assert (entry.author_name, entry.reviewer_name, entry.before, entry.after) == (
        "anna",
        "bram",
        (old,),
        (friendlier(),),
    )
    assert (entry.created_at, entry.published_at) == (T0, later)
    with pytest.raises(TextError, match="already decided"):
        await changes.approve(engine, ROOT, draft.id, draft.revision)


async def test_a_text_that_breaks_a_rule_cannot_be_approved(engine: AsyncEngine) -> None:
    with_link = first_contact().replace("Of bel ons", "Kijk op www.voorbeeld.nl of bel ons")
    draft = await changes.save_draft(engine, ANNA, "sms.first_contact", "nl", [with_link])
    with pytest.raises(Blocked) as blocked:
        await changes.approve(engine, BRAM, draft.id, draft.revision)
    assert "link" in {f.rule for f in blocked.value.findings}
    assert first_contact() != with_link
    # Fixed by its author: the same open draft, a new revision, and then it may pass.
    fixed = await changes.save_draft(engine, ANNA, "sms.first_contact", "nl", [friendlier()])
    assert (fixed.id, fixed.revision) == (draft.id, 2)
    with pytest.raises(TextError, match="changed meanwhile"):
        await changes.approve(engine, BRAM, draft.id, draft.revision)  # not what bram saw
    await changes.approve(engine, ROOT, fixed.id, fixed.revision)
    assert first_contact() == friendlier()


async def test_one_open_draft_per_text_and_rejection_with_a_reason(engine: AsyncEngine) -> None:
    first = await changes.save_draft(engine, ANNA, "sms.first_contact", "nl", [friendlier()])
    other = first_contact().replace("Goedendag.", "Dag.")
    second = await changes.save_draft(engine, BRAM, "sms.first_contact", "nl", [other])
    assert second.id != first.id
    assert (await changes.get_change(engine, first.id)).status == "superseded"
    open_drafts = await changes.pending(engine)
    assert list(open_drafts) == [("sms.first_contact", "nl")]
    assert open_drafts[("sms.first_contact", "nl")].author_name == "bram"

    with pytest.raises(TextError, match="why"):
        await changes.reject(engine, ANNA, second.id, second.revision, "  ")
    rejected = await changes.reject(engine, ANNA, second.id, second.revision, "Te kort.")
    assert (rejected.status, rejected.reviewer_name, rejected.note) == (
        "rejected",
        "anna",
        "Te kort.",
    )
    assert await changes.pending(engine) == {}
    assert first_contact().startswith("Gemeente {gemeente}: Goedendag.")
    statuses = [c.status for c in await changes.history(engine, key="sms.first_contact")]
    assert sorted(statuses) == ["rejected", "superseded"]


async def test_bad_drafts_are_refused_with_a_reason(engine: AsyncEngine) -> None:
    with pytest.raises(TextError, match="Unknown text"):
        await changes.save_draft(engine, ANNA, "sms.nope", "nl", ["x"])
    with pytest.raises(TextError, match="Unknown language"):
        await changes.save_draft(engine, ANNA, "sms.start", "xx", ["x"])
    with pytest.raises(TextError, match="not changed"):
        await changes.save_draft(engine, ANNA, "sms.first_contact", "nl", [first_contact()])
    with pytest.raises(TextError, match="cannot be empty"):
        await changes.save_draft(engine, ANNA, "sms.start", "nl", ["  "])
    with pytest.raises(TextError, match="needs 3 forms"):
        await changes.save_draft(engine, ANNA, "sms.after_missed_call", "pl", ["a {n}", "b {n}"])
    with pytest.raises(NotAllowed):
        await changes.save_draft(engine, CHRIS, "sms.start", "nl", ["Gemeente {gemeente}."])
    assert await changes.history(engine) == []


async def test_two_people_saving_the_same_text_at_once_leave_one_open_draft(
    engine: AsyncEngine,
) -> None:
    texts = {ANNA: friendlier(), BRAM: first_contact().replace("Goedendag.", "Dag.")}
    await asyncio.gather(
        *(changes.save_draft(engine, u, "sms.first_contact", "nl", [t]) for u, t in texts.items())
    )
    assert len(await changes.pending(engine)) == 1
    assert len(await changes.history(engine)) == 2


async def test_the_overview_shows_every_language_side_by_side_with_drafts(
    engine: AsyncEngine,
) -> None:
    await changes.save_draft(
        engine, ANNA, "sms.first_contact", "tr", ["{gemeente}: Merhaba. {telefoon}"]
    )
    view = await overview(engine)
    assert view.locales[:6] == ("nl", "en", "tr", "ar", "pl", "uk")
    assert len(view.rows) == len(KEYS)
    row = view.row("sms.first_contact")
    assert "warm, inviting" in row.key.translator_comment
    nl, en, tr, ar = row.cells[:4]
    assert nl.entry.text == first_contact() and not nl.entry.fuzzy
    assert tr.entry.fuzzy and tr.draft is not None and tr.draft.author_name == "anna"
    assert ar.rtl and not en.rtl
    assert [d.locale for d in row.drafts] == ["tr"]


def test_the_next_first_contact_sms_uses_the_published_text(
    cli: Cli, catalogues: Path, tmp_path: Path
) -> None:
    """In one running process: a resident texted before the publication gets the old text,
    the next resident the new one, with no restart and no cache cleared by hand."""

    def ingest(row: str, name: str) -> None:
        path = tmp_path / name
        path.write_text(
            "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,"
            f"telefoonnummer\n{row}\n",
            encoding="utf-8",
        )
        cli.json("ingest", str(path), "--now", "2026-11-02T08:00")

    ingest("A-1,Huur,640,2026-10-20,Jansen,12,1234AB,+31612345678", "a.csv")
    assert cli.json("tick", "--now", "2026-11-02T09:00")["sent"] == 1

    async def edit_and_approve() -> None:
        engine = make_engine(cli.db)
        try:
            draft = await changes.save_draft(
                engine, ANNA, "sms.first_contact", "nl", [friendlier()]
            )
            await changes.approve(engine, BRAM, draft.id, draft.revision)
        finally:
            await engine.dispose()

    run_sync(edit_and_approve)
    ingest("B-1,Energie,300,2026-10-21,Bakker,3,1234AC,+31612345679", "b.csv")
    assert cli.json("tick", "--now", "2026-11-02T09:05")["sent"] == 1

    first, second = cli.json("outbox")
    assert first["message_key"] == second["message_key"] == "sms.first_contact"
    assert first["text"].startswith("Gemeente Voorbeeld: Goedendag.")
    assert second["text"].startswith("Gemeente Voorbeeld: Hallo.")
    assert second["text"] == friendlier().format(gemeente="Voorbeeld", telefoon="14 020")
