"""A batch of whole households taken in as sets, in one transaction (`signals.pipeline`):
`prepare` looks up, decides and scores, `write` stores."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.ddas import NOG_NIET_OPGEPAKT
from flows.intents import LOCALES  # the languages residents are written to in
from signals import bulk, deciding
from signals.columnar import FIELDS
from signals.patterns import months_back
from signals.priority import CaseSignal
from signals.settings import IntakeSettings
from signals.storing import (
    CASE_SIGNAL,
    case_scores,
    closed_recently,
    household_ids,
    mark_meervoudig,
    reopen,
    rows_for,
    score_case,
    stored_at,
    stored_history,
    write_scores,
)
from store.models import Case, table_of
from store.queries import member_of

cases_t = table_of(Case)


@dataclass
class Prepared:
    size: int  # the batch's signals, duplicates included (for progress)
    now: datetime
    counts: Counter[str] = field(default_factory=Counter)  # by the name of Summary's field
    reopened: list[int] = field(default_factory=list)  # closed cases to open again
    retro: list[int] = field(default_factory=list)  # stored signals now meervoudig
    scores: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, bulk.Encoded] = field(default_factory=dict)  # new rows, by table

    def add_rows(self, table: str, frame: pl.DataFrame, dialect: str) -> None:
        # In the event loop's thread: CSV made in worker threads grew glibc's arenas
        # (1,000,000 rows: peak RSS 307–319 MB, not 227).
        self.rows[table] = bulk.encode(frame, dialect)


async def prepare(
    conn: AsyncConnection,
    frame: pl.DataFrame,
    run_id: int,
    now: datetime,
    settings: IntakeSettings,
    recheck: bool,
) -> Prepared:
    """Lookups, decisions and scores of a batch (`frame`: signals with an address, whole
    households in content order), writing nothing: while it waits for the batch before it to
    commit it holds no lock that another intake could wait for unseen by PostgreSQL's
    deadlock check. Ids come from the sequences; `write` finds out about clashes.

    Pass 1 set stored signals apart and found stored households (`household_id`); those
    households are asked for again (`_household_ids`), and only after a clash (`recheck`)
    are the keys and every address.

    Interpreter work runs in worker threads, so that the event loop stays free to send the
    batch before (a first run of 1,000,000 rows: 45 s, not 50)."""
    prepared = Prepared(frame.height, now)
    counts = prepared.counts
    if recheck:
        frame = await not_stored(conn, frame, counts)
    if frame.is_empty():
        return prepared

    ids, created = await _household_ids(conn, frame, now, prepared, recheck)
    frame = frame.drop("household_id").join(ids, on="household", how="left", maintain_order="left")
    households = ids.get_column("household_id")
    # A household's signals are all in one batch (signals.ordering): counted once.
    counts["households"] = households.len()
    since = months_back(frame.get_column("signal_date").min(), settings.lookback_months)  # type: ignore[arg-type]
    stored = await stored_history(
        conn, households.filter(~households.is_in(created)).to_list(), since
    )
    decided, prepared.retro = await asyncio.to_thread(
        deciding.decide, frame, stored, settings.minimum_cents, settings.lookback_months
    )
    counting = count_decided(counts, decided)
    case_of = await _cases(conn, counting, created, now, settings, prepared)
    case_id = pl.col("household_id").replace_strict(case_of, default=None, return_dtype=pl.Int64)
    signals = await asyncio.to_thread(stored_rows, decided, case_id, run_id, now)
    prepared.add_rows("signals", signals, conn.dialect.name)
    return prepared


async def not_stored(
    conn: AsyncConnection, frame: pl.DataFrame, counts: dict[str, Any]
) -> pl.DataFrame:
    """`frame` without the signals whose partner type + id is stored, counted as duplicates."""
    stored = await stored_at(conn, frame.select("partner_type", "partner_signal_id"))
    fresh = frame.filter(~stored)
    counts["duplicates"] += frame.height - fresh.height
    return fresh


def stored_rows(
    decided: pl.DataFrame, case_id: pl.Expr, run_id: int, now: datetime
) -> pl.DataFrame:
    """Decided signals as rows of the signals table; `case_id` for those that count."""
    return decided.select(
        *FIELDS,
        "household_id",
        pl.when(pl.col("suppressed_reason").is_null()).then(case_id).alias("case_id"),
        "pattern",
        "suppressed_reason",
        pl.lit(NOG_NIET_OPGEPAKT).alias("status"),
        "grew",
        pl.lit(run_id, dtype=pl.Int64).alias("ingest_run_id"),
        pl.col("line").alias("source_line"),
        pl.lit(now).alias("received_at"),
    )


def count_decided(counts: dict[str, Any], decided: pl.DataFrame) -> pl.DataFrame:
    """The decided signals that count (not suppressed; no `partner_name` is ""), counted."""
    counting = decided.filter(pl.col("suppressed_reason").is_null()).with_columns(
        pl.col("partner_name").fill_null("")
    )
    counts["suppressed"] += decided.height - counting.height
    counts["accepted"] += counting.height
    counts["accepted_with_warning"] += counting.get_column("warned").sum()
    return counting


async def write(conn: AsyncConnection, prepared: Prepared) -> None:
    """The prepared batch into the database. What another intake created or re-opened since
    `prepare` is refused by a unique key or raises `bulk.Clash`: the batch is prepared again."""
    rows = prepared.rows
    if "households" in rows:
        await bulk.insert_rows(conn, "households", rows["households"])
    if await reopen(conn, prepared.reopened, prepared.now) != len(prepared.reopened):
        raise bulk.Clash("a case to re-open was re-opened by another intake")
    for table in ("cases", "signals"):
        if table in rows:
            await bulk.insert_rows(conn, table, rows[table])
    await mark_meervoudig(conn, prepared.retro)
    await write_scores(conn, prepared.scores)


async def _household_ids(
    conn: AsyncConnection, frame: pl.DataFrame, now: datetime, prepared: Prepared, recheck: bool
) -> tuple[pl.DataFrame, list[int]]:
    """household (key) → household_id for the batch's addresses, the missing ones new (their
    rows left in `prepared`), and the new ids. Only those pass 1 found are asked for again,
    since erasure may have rewritten or deleted them meanwhile (`scheduler/erasure.py`): a
    first intake asks for none. The rest are new unless an intake alongside created one,
    which the write finds out; then (`recheck`) every address is asked for."""
    addresses = frame.group_by("household").agg(
        pl.col("postcode", "huisnummer", "toevoeging").first(), pl.col("household_id").max()
    )
    ask = addresses if recheck else addresses.filter(pl.col("household_id").is_not_null())
    stored = await household_ids(conn, ask.get_column("household").to_list())
    addresses = addresses.drop("household_id").join(stored, on="household", how="left")
    missing = addresses.filter(pl.col("household_id").is_null())
    created = await bulk.next_ids(conn, "households", missing.height) if missing.height else []
    new = missing.with_columns(pl.Series("household_id", created, dtype=pl.Int64))
    if created:
        households = new.select(
            pl.col("household_id").alias("id"),
            pl.col("household").alias("address_key"),
            "postcode",
            "huisnummer",
            "toevoeging",
            pl.lit(now).alias("created_at"),
        )
        prepared.add_rows("households", households, conn.dialect.name)
    known = addresses.filter(pl.col("household_id").is_not_null())
    return pl.concat([known, new]).select("household", "household_id"), created


async def _cases(
    conn: AsyncConnection,
    counting: pl.DataFrame,
    created: list[int],
    now: datetime,
    settings: IntakeSettings,
    prepared: Prepared,
) -> dict[int, int]:
    """household_id → the case its counting signals join: the open one, else one closed
    within the look-back (re-opened), else a new one (left in `prepared`). Every case
    concerned is scored with all its signals."""
    members, locale = await asyncio.to_thread(members_of, counting, "household_id")
    new_now = set(created)
    ask = [hh for hh in members if hh not in new_now]
    query = select(cases_t.c.household_id, cases_t.c.id).where(
        member_of(cases_t.c.household_id, "ids", conn), cases_t.c.state == "open"
    )
    case_of = {hh: cid for hh, cid in await rows_for(conn, query, sorted(ask))}
    closed = [hh for hh in ask if hh not in case_of]
    if closed:
        recent = await closed_recently(conn, sorted(closed), now, settings)
        prepared.reopened = sorted(recent.values())
        case_of.update(recent)
    prepared.counts["cases_updated"] += len(case_of)
    joined = {case_of[hh]: signals for hh, signals in members.items() if hh in case_of}
    prepared.scores = await case_scores(
        conn, sorted(joined), joined, set(prepared.retro), now, settings, prepared.reopened
    )

    new = sorted(hh for hh in members if hh not in case_of)
    if new:
        ids = dict(zip(new, await bulk.next_ids(conn, "cases", len(new)), strict=True))
        cases = await asyncio.to_thread(_new_cases, ids, members, locale, now, settings)
        prepared.add_rows("cases", cases, conn.dialect.name)
        case_of.update(ids)
        prepared.counts["cases_opened"] += len(new)
    return case_of


def members_of(
    counting: pl.DataFrame, key: str
) -> tuple[dict[Any, list[CaseSignal]], dict[Any, str]]:
    """`key` (a household's id, or a BSN) → its counting signals as scoring reads them, and
    the first language of theirs that residents are written to in."""
    members: dict[Any, list[CaseSignal]] = defaultdict(list)
    locale: dict[Any, str] = {}
    for owner, language, *values in counting.select(key, "language", *CASE_SIGNAL).iter_rows():
        members[owner].append(CaseSignal(*values))
        if language in LOCALES and owner not in locale:
            locale[owner] = language
    return members, locale


def _new_cases(
    ids: dict[int, int],
    members: dict[int, list[CaseSignal]],
    locale: dict[int, str],
    now: datetime,
    settings: IntakeSettings,
) -> pl.DataFrame:
    """The new cases (household_id → case id) scored, as rows of `cases`."""
    today = settings.calendar.local_date(now)
    scored = [score_case(members[hh], today, today, settings) for hh in ids]
    return pl.DataFrame(
        {
            "id": list(ids.values()),
            "household_id": list(ids),
            "state": "open",
            "priority": [s["priority"] for s in scored],
            # As SQLAlchemy's JSON type stores it.
            "reasons": [json.dumps(s["reasons"]) for s in scored],
            "locale": [locale.get(hh, "nl") for hh in ids],
            "deadline": [s["deadline"] for s in scored],
            "crisis": [s["crisis"] for s in scored],
            "opened_at": now.astimezone(UTC),
            "version": 1,
        },
        CASE_SCHEMA,
    )


CASE_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "state": pl.String,
    "priority": pl.Int64,
    "reasons": pl.String,
    "locale": pl.String,
    "deadline": pl.Date,
    "crisis": pl.Boolean,
    "opened_at": pl.Datetime("us", "UTC"),
    "version": pl.Int64,
}
