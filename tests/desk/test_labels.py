"""Stages, statuses, kinds and channels in words people read (desk/labels.py): every word the
code knows has a Dutch label; an unknown word is shown readably; and the case, queue and
coordinator pages, in Dutch and in English, show those words and never the internal ones."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, insert, select, update

from desk import labels
from desk.i18n import translations
from desk.queue import KINDS
from flows.intents import IntentKind
from flows.state import SPECIAL_STAGES
from store.models import Case, Outbox, Task, table_of
from tests.desk.conftest import DeskSite

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "a-long-enough-password"
PHONE = "+31612345678"
# A crisis signal: the first SMS and a phone task at once (Monday 2 November 2026).
CRISIS = f"C-1,Energie,Eneco,912.50,2026-10-28,J.,Jansen,Dorpsstraat,3,3511AB,Utrecht,{PHONE},ja,nl"
cases_t = table_of(Case)
tasks_t = table_of(Task)
outbox_t = table_of(Outbox)

# Outbox statuses: the README's list (CONTRACT additions) and WhatsApp's.
OUTBOX_STATUSES = (
    "pending",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "held",
    "withdrawn",
    "failed",
    "error",
    "rerouted",  # what WhatsApp could not take went by SMS instead (casework/reroute.py)
)


def dutch(group: str, word: str | None) -> str:
    return labels.translate(translations("nl").gettext, group, word)


def english(group: str, word: str) -> str:
    return labels.translate(translations("en").gettext, group, word)


def shipped_ladder_steps() -> set[str]:
    text = resources.files("flows").joinpath("ladders.toml").read_text("utf-8")
    return {step for ladder in tomllib.loads(text)["ladders"].values() for step in ladder["order"]}


@pytest.mark.parametrize(
    ("group", "words"),
    [
        ("stage", sorted(SPECIAL_STAGES | shipped_ladder_steps())),
        ("case_state", ["open", "closed", "address_unknown", "merged"]),
        ("task_kind", list(KINDS)),
        ("task_status", ["open", "claimed", "done", "cancelled"]),
        ("message_status", OUTBOX_STATUSES),
        ("letter_status", OUTBOX_STATUSES),
        ("channel", ["sms", "telegram", "whatsapp", "letter"]),
        ("intent", [kind.value for kind in IntentKind]),
    ],
)
def test_every_word_the_code_knows_has_a_dutch_label(group: str, words: list[str]) -> None:
    known = labels.GROUPS[group]
    nl = translations("nl")
    for word in words:
        assert word in known, f"{group} {word!r} has no label"
        # Translated in the catalogue (not only readable by chance), and not the word itself.
        assert nl.gettext(known[word]) != known[word] or known[word] in {"Telegram", "WhatsApp"}
        assert dutch(group, word) != word and english(group, word) != word


def test_labels_read_as_words_in_both_languages() -> None:
    assert dutch("case_state", "open") == "Lopend" and english("case_state", "open") == "Ongoing"
    assert dutch("stage", "phone_1") == "Eerste keer bellen"
    assert english("stage", "phone_1") == "First phone call"
    assert dutch("task_kind", "home_visit") == "Huisbezoek"
    assert dutch("message_status", "delivered") == "Afgeleverd"
    assert dutch("letter_status", "delivered") == "Gepost"  # a letter's batch was posted
    assert dutch("channel", "whatsapp") == "WhatsApp" and dutch("channel", "letter") == "Brief"
    assert dutch("intent", "menu_call") == "Wil gebeld worden"
    assert dutch("message_status", "read") == "Gelezen"  # WhatsApp's read receipt
    assert english("daypart", "Ochtend") == "Morning" and dutch("daypart", "Avond") == "Avond"


def test_an_unknown_word_is_shown_readably_not_raw_and_never_fails() -> None:
    # A municipality's own third call step, a step of its own, a status a channel adds.
    assert dutch("stage", "phone_3") == "Bellen (3)"
    assert english("stage", "phone_3") == "Phone call (3)"
    assert dutch("stage", "wait_extra") == "Wait extra"
    assert dutch("message_status", "bounced") == "Bounced"
    assert dutch("no such group", "some_word") == "Some word"
    assert dutch("stage", None) == dutch("stage", "") == "—"


def test_a_residents_language_is_named_in_the_interface_language() -> None:
    assert labels.language_name("tr", "nl") == "Turks"
    assert labels.language_name("tr", "en") == "Turkish"
    assert labels.language_name("nl", "nl") == "Nederlands"
    assert labels.language_name("xx", "nl") == "xx"  # unknown to Babel: the code, no failure


# -- the pages --------------------------------------------------------------------------

INTERNAL = re.compile(
    r"\b(phone|phone_\d|home_visit|callback|review|open|claimed|cancelled|pending|sending|"
    r"sent|delivered|undelivered|sms|telegram|whatsapp|ladder|menu_call|new|in_contact|"
    r"first_contact|no_contact|Ochtend|Middag|Avond)\b(?![.\w])"
)


def text_of(fragment: str) -> str:
    """What a reader sees: tags, quoted texts (what the resident got or sent) and message
    keys (names of catalogue texts, shown on purpose) left out."""
    fragment = re.sub(r"<blockquote>.*?</blockquote>", " ", fragment, flags=re.S)
    fragment = re.sub(r"<[^>]+>", " ", fragment)
    fragment = re.sub(r"\b(sms|letter)\.[a-z_.]+", " ", fragment)
    return " ".join(fragment.split())


def element(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, f"nothing matches {pattern!r}"
    return text_of(found.group(1))


# "open" is a word in both languages ("de zaak blijft open"), the DDAS dayparts are Dutch
# words, and most internal words are plain English ("claimed by cora", "next step"): there
# the assertions on the words shown carry the test, and only words no reader would write
# are looked for.
ORDINARY_DUTCH = frozenset({"open", "Ochtend", "Middag", "Avond"})
NEVER_ENGLISH = frozenset({"sms", "telegram", "whatsapp", "pending", "undelivered", "ladder"})


def internal_words(text: str, locale: str) -> list[str]:
    found = INTERNAL.findall(text)
    if locale == "en":
        return [
            w for w in found if "_" in w or w in NEVER_ENGLISH or w in ORDINARY_DUTCH - {"open"}
        ]
    return [w for w in found if w not in ORDINARY_DUTCH]


async def coordinator(site: DeskSite, locale: str) -> tuple[aiohttp.ClientSession, str]:
    http = site.client()
    csrf = await site.login(http, "cora", PASSWORD)
    if locale != "nl":
        async with http.post(
            f"{site.url}/desk/language", data={"csrf_token": csrf, "locale": locale}
        ) as response:
            assert response.status == 200
    return http, csrf


async def get(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        assert response.status == 200, url
        return await response.text()


async def crisis_with_a_call_back(site: DeskSite, tmp_path: Path) -> int:
    """A crisis case: its first SMS sent, the resident's replies "1" (call me) and "'s avonds"
    (in the evening): a call-back task in the evening."""
    await site.seed([CRISIS], "2026-11-02T10:00", tmp_path)
    for text, moment in (("1", "2026-11-02T10:10"), ("'s avonds", "2026-11-02T10:20")):
        args = ("reply", "--channel", "sms", "--sender", PHONE, "--text", text, "--now", moment)
        assert await site.cli(*args) == 0
    await site.add_user("cora", "coordinator", PASSWORD)
    async with site.engine.connect() as conn:
        case_id = await conn.scalar(select(cases_t.c.id))
    assert case_id is not None
    return int(case_id)


EXPECTED = {
    "nl": {
        "state": "Lopend",
        "stage": "Terugbellen gepland",
        "call back": "Terugbellen",
        "evening": "Avond",
        "morning": "Ochtend",
        "asked": "inwoner vroeg om terugbellen",
        "not claimed": "Nog niet opgepakt",
        "reason": "volgende stap",
        "channel": "Sms",
        "reply": "Wil gebeld worden",
        "daypart reply": "Gaf een dagdeel door",
        "home visit": "Huisbezoek",
        "calls": "Telefoongesprekken",
        "third call": "Bellen (3)",
        "language": "Nederlands",
        "read": "Gelezen",
    },
    "en": {
        "state": "Ongoing",
        "stage": "Call back planned",
        "call back": "Call back",
        "evening": "Evening",
        "morning": "Morning",
        "asked": "the resident asked for a call",
        "not claimed": "Not claimed yet",
        "reason": "next step",
        "channel": "SMS",
        "reply": "Wants to be called",
        "daypart reply": "Gave a part of the day",
        "home visit": "Home visit",
        "calls": "Phone calls",
        "third call": "Phone call (3)",
        "language": "Dutch",
        "read": "Read",
    },
}


@pytest.mark.parametrize("locale", ["nl", "en"])
async def test_case_queue_and_coordinator_pages_show_words_not_internal_ones(
    desk_site: DeskSite, tmp_path: Path, locale: str
) -> None:
    site = desk_site
    words = EXPECTED[locale]
    case_id = await crisis_with_a_call_back(site, tmp_path)
    site.set_now(datetime(2026, 11, 6, 9, 30, tzinfo=AMS))  # the call-back is late by now
    async with site.engine.begin() as conn:
        # A home visit that a caseworker has, and a task kind no version knows yet.
        first = (await conn.execute(select(tasks_t).order_by(tasks_t.c.id))).first()
        assert first is not None
        for ref, kind, status in (("v", "home_visit", "claimed"), ("x", "letter_check", "open")):
            await conn.execute(
                insert(tasks_t).values(
                    ref=ref,
                    case_id=case_id,
                    kind=kind,
                    reason="ladder",
                    status=status,
                    claimed_by="cora" if status == "claimed" else None,
                    priority=first.priority,
                    due=first.due,
                    created_at=first.created_at,
                )
            )
        # The first message went by WhatsApp, and WhatsApp reported it read.
        first_message = await conn.scalar(
            select(func.min(outbox_t.c.id)).where(outbox_t.c.case_id == case_id)
        )
        await conn.execute(
            update(outbox_t)
            .where(outbox_t.c.id == first_message)
            .values(channel="whatsapp", status="delivered", provider_status="read")
        )
    http, _ = await coordinator(site, locale)
    async with http:
        case_page = await get(http, f"{site.url}/desk/cases/{case_id}")
        queue_page = await get(http, f"{site.url}/desk/queue")
        day_page = await get(http, f"{site.url}/desk/coordinator")
        async with site.engine.begin() as conn:  # a municipality's own third call step
            await conn.execute(update(cases_t).values(stage="phone_3"))
        later_case_page = await get(http, f"{site.url}/desk/cases/{case_id}")
        later_day_page = await get(http, f"{site.url}/desk/coordinator")

    # The case page: state and stage, each task, the timeline, the resident's language.
    state = element(case_page, r'<dd id="case-state">(.*?)</dd>')
    stage = element(case_page, r'<dd id="case-stage">(.*?)</dd>')
    assert state == words["state"]
    assert stage == words["stage"]
    assert element(later_case_page, r'<dd id="case-stage">(.*?)</dd>') == words["third call"]
    tasks = element(case_page, r'<section aria-labelledby="h-tasks">(.*?)</section>')
    for word in ("call back", "evening", "asked", "not claimed", "reason", "home visit"):
        assert words[word] in tasks, word
    assert "Letter check" in tasks  # the unknown kind: readable, and the page still works
    timeline = element(case_page, r'<ol class="timeline" id="timeline">(.*?)</ol>')
    for word in ("channel", "reply", "daypart reply", "morning", "read"):
        assert words[word] in timeline, word
    assert "WhatsApp" in timeline
    assert f"<dd>{words['language']}</dd>" in case_page
    for part in (state, stage, tasks, timeline):
        assert internal_words(part, locale) == [], part

    # The queue: kind, part of the day, reason and status of every task; the kind filter.
    queue = element(queue_page, r'<table id="queue">(.*?)</table>')
    assert words["call back"] in queue and words["not claimed"] in queue
    assert words["home visit"] in queue and words["reason"] in queue
    assert internal_words(queue, locale) == [], queue
    kind_filter = element(queue_page, r'<select id="f-kind" name="kind">(.*?)</select>')
    assert words["home visit"] in kind_filter and not internal_words(kind_filter, locale)

    # The coordinator's day: work groups, overdue tasks by kind, the stage of a case near
    # its deadline.
    capacity = element(day_page, r'<table id="capacity">(.*?)</table>')
    assert words["calls"] in capacity
    overdue = element(day_page, r'<table id="overdue">(.*?)</table>')
    assert words["call back"] in overdue
    assert words["stage"] in element(day_page, r'<table id="crisis">(.*?)</table>')
    near = element(later_day_page, r'<table id="crisis">(.*?)</table>')
    assert words["third call"] in near
    for part in (capacity, overdue, near, element(day_page, r'<table id="crisis">(.*?)</table>')):
        assert internal_words(part, locale) == [], part
