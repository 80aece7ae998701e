"""The DDAS v0.9 delivery (`Uitwisselmodel`) of one period, validated before it leaves.

What goes in (decisions where the national model leaves room):
- `vroegsignalen`: every signal received in the period, suppressed ones included (with the
  status saying why they were not taken up). `ID` is the partner's own signal id; when two
  partners used the same id in one delivery, both become "<partner type>:<id>".
- `status`: the stored DDAS status when someone set one; else "Niet opgepakt: herhaalde
  melding" / "…: andere reden" for a suppressed signal; else the case's result when that is a
  "not taken up" result; else "Nog niet opgepakt" while the case has not been taken up. A
  signal whose case was taken up has no status: the `vroegsignaalzaak` says what happened.
- `client`: only the fields the signal carried; `Burgerservicenummer` only where it had one.
- `vroegsignaalzaken`: the cases of those signals (see `monitor.cohort`), each naming the
  period's signals it handles, with its result (closed cases), `matchingsdatum` (the day its
  first signal of the period came in), the matching period (from `lookback_months` before the
  earliest signal date to the end of the latest signal's month, the window the intake's
  patterns look at) and `datum_opgepakt` (the first contact attempt, or the day it was closed
  with a result that takes it up without one).
- `contactpogingen`: the case's attempts from its first signal of the period on; SMS and chat
  are both `SMS/Whatsapp`.
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

from monitor.cohort import CHUNK, NOT_TAKEN_UP, CaseFact, Cohort, SignalFact, signals_t
from monitor.period import month_end
from signals.patterns import months_back
from store.queries import member_of

SCHEMA_PATH = Path(__file__).with_name("json_schema_Uitwisselmodel.json")
DEFAULT_STATUS = "Nog niet opgepakt"
SUPPRESSED_STATUS = {"Herhaalde melding zonder hoger bedrag": "Niet opgepakt: herhaalde melding"}
OTHER_REASON = "Niet opgepakt: andere reden"

# The signal's columns that make up the DDAS `client`, in the schema's order.
CLIENT_FIELDS = (
    ("bsn", "Burgerservicenummer"),
    ("initials", "Voorletters"),
    ("prefix", "Voorvoegsel"),
    ("surname", "Achternaam"),
    ("birth_date", "Geboortedatum"),
    ("street", "Straatnaam"),
    ("postcode", "Postcode"),
    ("huisnummer", "Huisnummer"),
    ("toevoeging", "Huisnummertoevoeging"),
    ("city", "Plaatsnaam"),
)


class DdasInvalid(Exception):
    """The document does not validate against the national schema: a bug of ours."""


@dataclass(frozen=True)
class Delivery:
    gemeentecode: str
    organisation: str  # aanleverende organisatie, e.g. "Gemeente Voorbeeld"
    supplier_code: str  # codeGegevensleverancier
    lookback_months: int  # the intake's window for "opeenvolgend"
    now: datetime


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(document)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DdasInvalid(f"DDAS document invalid at {where}: {first.message}{more}")


async def load_clients(conn: AsyncConnection, signal_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The personal fields of the delivery's signals (read here only, never by the figures)."""
    columns = [signals_t.c[name] for name, _ in CLIENT_FIELDS]
    query = select(signals_t.c.id, *columns).where(member_of(signals_t.c.id, "ids", conn))
    clients: dict[int, dict[str, Any]] = {}
    for start in range(0, len(signal_ids), CHUNK):
        for row in await conn.execute(query, {"ids": signal_ids[start : start + CHUNK]}):
            client: dict[str, Any] = {}
            for name, ddas_name in CLIENT_FIELDS:
                value = getattr(row, name)
                if isinstance(value, date):
                    value = value.isoformat()
                if value not in (None, ""):
                    client[ddas_name] = str(value)
            clients[row.id] = client
    return clients


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


def signal_status(signal: SignalFact, case: CaseFact | None) -> str | None:
    if signal.status != DEFAULT_STATUS:
        return signal.status
    if signal.suppressed_reason is not None:
        return SUPPRESSED_STATUS.get(signal.suppressed_reason, OTHER_REASON)
    if case is None:
        return OTHER_REASON  # no case and not suppressed: nobody takes it up
    if case.closed_result in NOT_TAKEN_UP:
        return case.closed_result
    return DEFAULT_STATUS if case.taken_up_on is None else None


def _signal(
    signal: SignalFact, case: CaseFact | None, ddas_id: str, client: dict[str, Any]
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
    status = signal_status(signal, case)
    if status is not None:
        item["status"] = status
    item["signaalpartner"] = {"type": signal.partner_type}
    item["client"] = client
    return item


def _case(case: CaseFact, ids: dict[int, str], lookback_months: int) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if case.closed_result:
        item["resultaat"] = case.closed_result
    signal_dates = [s.signal_date for s in case.signals]
    item["matchingsdatum"] = case.start.isoformat()
    item["startdatum_matchtingperiode"] = months_back(
        min(signal_dates), lookback_months
    ).isoformat()
    taken_up = case.taken_up_on
    if taken_up is not None:
        item["datum_opgepakt"] = taken_up.isoformat()
    item["einddatum_matchingperiode"] = month_end(max(signal_dates)).isoformat()
    item["vroegsignalen"] = [{"ID": ids[s.id]} for s in case.signals]
    attempts = []
    for a in case.attempts:
        attempt: dict[str, Any] = {
            "soort": a.soort,
            "bereikt": a.bereikt,
            "datum": a.datum.isoformat(),
        }
        if a.dagdeel:
            attempt["dagdeel"] = a.dagdeel
        attempts.append(attempt)
    item["contactpogingen"] = attempts
    return item


def build_document(
    cohort: Cohort, clients: dict[int, dict[str, Any]], delivery: Delivery
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
                "aanleverende_organisatie": {"naam": delivery.organisation},
                "vroegsignalen": [
                    _signal(s, cohort.case_of(s), ids[s.id], clients.get(s.id, {}))
                    for s in cohort.signals
                ],
                "vroegsignaalzaken": [
                    _case(c, ids, delivery.lookback_months) for c in cohort.cases
                ],
            }
        ],
    }


async def export_ddas(conn: AsyncConnection, cohort: Cohort, delivery: Delivery) -> dict[str, Any]:
    """The period's delivery; raises DdasInvalid rather than return a document CBS refuses."""
    clients = await load_clients(conn, [s.id for s in cohort.signals])
    document = build_document(cohort, clients, delivery)
    validate(document)
    return document
