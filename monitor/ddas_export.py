"""The DDAS delivery (`Uitwisselmodel`) of one period, v1.2 or v0.9, validated before it leaves.

Both versions are built from the same facts (`monitor.cohort`, plus the signals' personal
fields read here); `monitor.ddas_versions` holds what differs. Decisions where the national
model leaves room:
- `aanleverendeOrganisatie` and `codeGegevensleverancier`: the `[ddas]` settings
  (`monitor.ddas_config`); v0.9 carries the same organisation under its own names.
- `vroegsignalen`: every signal received in the period, suppressed ones included (with the
  status saying why they were not taken up). `ID` is the partner's own signal id; when two
  partners used the same id in one delivery, both become "<partner type>:<id>".
- `status`: the stored DDAS status when someone set one; else "Niet opgepakt: herhaalde
  melding" / "…: andere reden" for a suppressed signal; else the case's result when that is a
  "not taken up" result; else "Nog niet opgepakt" while the case has not been taken up, and
  "Opgepakt" once it has (v0.9 has no such word and leaves the status out then: the
  `vroegsignaalzaak` says what happened).
- `client`: v1.2 the address form whenever the signal has an address, else only its BSN, and
  an empty address for a signal whose personal data was erased (`ddas_versions.client_v1_2`);
  v0.9 every field the signal carried, the BSN only where it had one.
- `vroegsignaalzaken`: the cases of those signals (see `monitor.cohort`), each naming the
  period's signals it handles, with its result (closed cases), `matchingsdatum` (the day its
  first signal of the period came in), the matching period (`startdatumMatchingperiode`:
  `lookback_months` before the earliest signal date of those signals; `einddatumMatchingperiode`:
  the end of the latest signal date's month; the window the intake's patterns look at) and
  `datumOpgepakt` (the first contact attempt, or the day it was closed with a result that
  takes it up without one).
- `contactpogingen`: the case's attempts from its first signal of the period on, with `soort`,
  `bereikt`, `datum` and `dagdeel` (when known); SMS and chat are both `SMS/Whatsapp`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.ddas import NOG_NIET_OPGEPAKT, OPGEPAKT
from monitor.cohort import CHUNK, NOT_TAKEN_UP, CaseFact, Cohort, SignalFact, signals_t
from monitor.ddas_config import Organisation
from monitor.ddas_versions import PERSONAL, DdasVersion, Person
from monitor.period import month_end
from signals.patterns import months_back
from store.queries import member_of

SUPPRESSED_STATUS = {"Herhaalde melding zonder hoger bedrag": "Niet opgepakt: herhaalde melding"}
OTHER_REASON = "Niet opgepakt: andere reden"


class DdasInvalid(Exception):
    """The document does not validate against the national schema: a bug of ours, or data
    the delivery needs that is no longer there."""


@dataclass(frozen=True)
class Delivery:
    gemeentecode: str
    organisation: Organisation  # aanleverende organisatie
    supplier_code: str  # codeGegevensleverancier
    lookback_months: int  # the intake's window for "opeenvolgend"
    now: datetime


@cache
def validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(document: dict[str, Any], version: DdasVersion) -> None:
    errors = sorted(
        validator(version.schema_path).iter_errors(document), key=lambda e: list(e.absolute_path)
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(document)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DdasInvalid(f"DDAS {version.name} document invalid at {where}: {first.message}{more}")


async def load_persons(conn: AsyncConnection, signal_ids: list[int]) -> dict[int, Person]:
    """The personal fields that are set, as text (read here only, never by the figures)."""
    names = PERSONAL
    query = select(signals_t.c.id, *(signals_t.c[n] for n in names)).where(
        member_of(signals_t.c.id, "ids", conn)
    )
    persons: dict[int, Person] = {}
    for start in range(0, len(signal_ids), CHUNK):
        for row in await conn.execute(query, {"ids": signal_ids[start : start + CHUNK]}):
            person: dict[str, str] = {}
            for name in names:
                value = getattr(row, name)
                if isinstance(value, date):
                    value = value.isoformat()
                if value not in (None, ""):
                    person[name] = str(value)
            persons[row.id] = person
    return persons


def signal_ids(signals: list[SignalFact]) -> dict[int, str]:
    """The DDAS `ID` of each signal: the partner's own id, qualified only where needed."""
    owners: dict[str, set[str]] = {}
    for s in signals:
        owners.setdefault(s.partner_signal_id, set()).add(s.partner_type)
    return {
        s.id: (
            s.partner_signal_id
            if len(owners[s.partner_signal_id]) == 1
            else f"{s.partner_type}:{s.partner_signal_id}"
        )
        for s in signals
    }


def signal_status(signal: SignalFact, case: CaseFact | None) -> str:
    """The status in v1.2 words (each version maps it to its own)."""
    if signal.status != NOG_NIET_OPGEPAKT:
        return signal.status
    if signal.suppressed_reason is not None:
        return SUPPRESSED_STATUS.get(signal.suppressed_reason, OTHER_REASON)
    if case is None:
        return OTHER_REASON  # no case and not suppressed: nobody takes it up
    if case.closed_result in NOT_TAKEN_UP:
        return case.closed_result
    return NOG_NIET_OPGEPAKT if case.taken_up_on is None else OPGEPAKT


def _signal(
    signal: SignalFact,
    case: CaseFact | None,
    ddas_id: str,
    client: dict[str, str],
    version: DdasVersion,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ID": ddas_id,
        "crisissignaal": signal.crisis,
        "warmeOverdracht": signal.warm_handover,
        # Whole euros, rounded half up (the model has no cents).
        "bedrag": (signal.amount_cents + 50) // 100,
    }
    if signal.origin_date is not None:
        item["ontstaansdatum"] = signal.origin_date.isoformat()
    item["signaaldatum"] = signal.signal_date.isoformat()
    status = version.status(signal_status(signal, case))
    if status is not None:
        item["status"] = status
    item["signaalpartner"] = {"type": signal.partner_type}
    item["client"] = client
    return item


def _case(
    case: CaseFact, ids: dict[int, str], lookback_months: int, version: DdasVersion
) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if case.closed_result:
        item["resultaat"] = version.result(case.closed_result)
    signal_dates = [s.signal_date for s in case.signals]
    item["matchingsdatum"] = case.start.isoformat()
    item[version.matching_start] = months_back(min(signal_dates), lookback_months).isoformat()
    taken_up = case.taken_up_on
    if taken_up is not None:
        item[version.taken_up] = taken_up.isoformat()
    item[version.matching_end] = month_end(max(signal_dates)).isoformat()
    item["vroegsignalen"] = [{"ID": ids[s.id]} for s in case.signals]
    attempts = []
    for a in case.attempts:
        attempt: dict[str, Any] = {
            "soort": version.soort(a.soort),
            "bereikt": a.bereikt,
            "datum": a.datum.isoformat(),
        }
        if a.dagdeel:
            attempt["dagdeel"] = a.dagdeel
        attempts.append(attempt)
    item["contactpogingen"] = attempts
    return item


def build_document(
    cohort: Cohort, persons: dict[int, Person], delivery: Delivery, version: DdasVersion
) -> dict[str, Any]:
    ids = signal_ids(cohort.signals)
    duplicates = [i for i, n in Counter(ids.values()).items() if n > 1]
    if duplicates:  # the same partner sent one id twice: the intake should have refused it
        raise DdasInvalid(f"signal id(s) not unique in the delivery: {', '.join(duplicates)}")
    period = cohort.period
    return {
        "codeGegevensleverancier": delivery.supplier_code,
        "startdatumLevering": period.start.isoformat(),
        "einddatumLevering": period.end.isoformat(),
        "aanleverdatumEnTijd": delivery.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": delivery.gemeentecode,
                version.organisation: version.named(delivery.organisation),
                "vroegsignalen": [
                    _signal(
                        s,
                        cohort.case_of(s),
                        ids[s.id],
                        version.client(persons.get(s.id, {})),
                        version,
                    )
                    for s in cohort.signals
                ],
                "vroegsignaalzaken": [
                    _case(c, ids, delivery.lookback_months, version) for c in cohort.cases
                ],
            }
        ],
    }


async def export_ddas(
    conn: AsyncConnection, cohort: Cohort, delivery: Delivery, version: DdasVersion
) -> dict[str, Any]:
    """The period's delivery; raises DdasInvalid rather than return a document CBS refuses."""
    persons = await load_persons(conn, [s.id for s in cohort.signals])
    document = build_document(cohort, persons, delivery, version)
    validate(document, version)
    return document
