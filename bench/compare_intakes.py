"""Compare two SQLite databases that took in the same file, signal by signal (issue 17).

    python bench/compare_intakes.py OLD.db NEW.db [--batch-size 5000]

For every stored signal: its household (address), pattern, suppression, growth and the case
it joined (state, priority, reasons, deadline, language). Households with a difference are
explained by where the old intake's batches fell: a household whose signals the old intake
took in over several batches (file order, `--batch-size` rows and issues each), with an older
signal in a later batch than a newer one, or in date order, or with two signals of one date
on either side of a boundary.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections import Counter, defaultdict
from typing import Any

CASE_FIELDS = ("state", "priority", "reasons", "deadline", "locale")
SIGNAL_FIELDS = ("pattern", "suppressed", "grew")


def load(path: str) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[int, list[str]]]:
    db = sqlite3.connect(path)
    address = dict(db.execute("SELECT id, address_key FROM households"))
    cases = {
        row[0]: dict(zip(CASE_FIELDS, row[1:], strict=True))
        for row in db.execute(f"SELECT id, {', '.join(CASE_FIELDS)} FROM cases")
    }
    signals = {}
    query = (
        "SELECT partner_type, partner_signal_id, household_id, pattern, suppressed_reason, grew,"
        " case_id, source_line, signal_date FROM signals"
    )
    for ptype, pid, hh, pattern, suppressed, grew, case_id, line, day in db.execute(query):
        signals[(ptype, pid)] = {
            "household": address.get(hh),
            "pattern": pattern,
            "suppressed": suppressed,
            "grew": bool(grew),
            "case": cases.get(case_id),
            "line": line,
            "date": day,
        }
    issues: dict[int, list[str]] = defaultdict(list)
    for line, severity in db.execute("SELECT line, severity FROM ingest_issues"):
        issues[line].append(severity)
    return signals, issues


def old_batches(issues: dict[int, list[str]], last_line: int, size: int) -> dict[int, int]:
    """Line → the old intake's batch: one closed when its signals + issues reached `size`."""
    batch_of, number, filled = {}, 0, 0
    for line in range(2, last_line + 1):
        batch_of[line] = number
        found = issues.get(line, [])
        filled += 1 if "error" in found else 1 + len(found)
        if filled >= size:
            number, filled = number + 1, 0
    return batch_of


def differences(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    found = {f for f in SIGNAL_FIELDS if a[f] != b[f]}
    for f in CASE_FIELDS:
        if (a["case"] or {}).get(f) != (b["case"] or {}).get(f):
            found.add(f"case {f}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    old, issues = load(args.old)
    new, _ = load(args.new)
    assert old.keys() == new.keys(), "the two intakes stored different signals"
    last = max([s["line"] for s in old.values()] + list(issues))
    batch_of = old_batches(issues, last, args.batch_size)
    by_household: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, s in old.items():
        by_household[s["household"]].append(key)
    fields: Counter[str] = Counter()
    why: Counter[str] = Counter()
    for keys in by_household.values():
        what = set().union(*(differences(old[k], new[k]) for k in keys))
        if not what:
            continue
        for k in keys:
            fields.update(differences(old[k], new[k]))
        seq = sorted(keys, key=lambda k: old[k]["line"])
        pairs = [(old[a], old[b]) for i, a in enumerate(seq) for b in seq[i + 1 :]]
        later = [(x, y) for x, y in pairs if batch_of[y["line"]] > batch_of[x["line"]]]
        if not later:
            cause = "NOT split over batches"
        elif any(y["date"] < x["date"] for x, y in later):
            cause = "split; an older signal in a later batch"
        elif any(y["date"] == x["date"] for x, y in later):
            cause = "split in date order; one date on both sides of a boundary"
        else:
            cause = "split in date order"
        why[f"{cause}: {', '.join(sorted(what))}"] += 1
    print(
        json.dumps(
            {
                "signals": len(old),
                "households": len(by_household),
                "households that differ": sum(why.values()),
                "signals that differ, by field": dict(fields.most_common()),
                "households that differ, by cause and what": dict(why.most_common()),
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
