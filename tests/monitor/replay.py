"""A month of a small municipality replayed through the CLI with `--now` (November 2026).

What happens, and so what the monitor must say about November:
- O-1 (Energie, Eneco) arrives on 30 October and gets its first SMS that day: not November's.
- W-1 (Huur, Woonstad, with a BSN) arrives at 00:30 on Sunday 1 November (23:30 UTC on
  31 October: November on the municipality's clock). W-2 (Energie, Vattenfall) for the same
  address comes on 2 November: one meervoudig case. The resident answers the SMS "3":
  closed as "Inwoner heeft zelf al betaald/betalingsregeling getroffen", reached by SMS.
- V-2 (Energie, Vattenfall): SMS, reminder, then a phone call that reaches the resident on
  9 November: "Vervolghulp en/of verwijzing" (a DDAS v1.2 result that v0.9 does not know)
  after 3 attempts.
- E-3 (Water, Evides) is a crisis: SMS and a call at once (2 Nov), call missed (3 Nov), home
  visit with nobody home (4 Nov) leaves a card, and a caseworker sends a letter the next
  morning (recorded by hand): 5 attempts, not reached, deadline met; closed as "Definitief
  geen contact kunnen krijgen" when the card and the letter brought no reaction.
- Z-4 (Zorg, Zilveren Kruis) of €50 is suppressed (below the threshold).
- S-100 (Huur, Ymere) has no phone number: a home visit task that nobody has done yet.
- S-100 (Energie, Eneco) — the same id from another partner type — is for O-1's address: it
  joins that open case (opeenvolgend); the resident sends STOP on 3 November.
- D-1 arrives at 00:30 on 1 December: not November's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Cli

HEADER = (
    "id,signaalpartner,signaalpartner_naam,bedrag,signaaldatum,achternaam,huisnummer,"
    "postcode,telefoonnummer,crisissignaal,bsn\n"
)
PHONES = {
    "W": "+31612340001",
    "V": "+31612340002",
    "E": "+31612340003",
    "Z": "+31612340004",
    "O": "+31612340008",
}
BSN = "111222333"
SURNAMES = ("Jansen", "de Boer", "Yılmaz", "Visser", "Smit", "Mulder", "Kok")
POSTCODE = "1234AB"

ROWS_OCTOBER = [f"O-1,Energie,Eneco,210,2026-09-20,Mulder,8,{POSTCODE},{PHONES['O']},nee,"]
ROWS_FIRST = [f"W-1,Huur,Woonstad,640,2026-10-20,Jansen,12,{POSTCODE},{PHONES['W']},nee,{BSN}"]
ROWS_SECOND = [
    f"W-2,Energie,Vattenfall,180,2026-10-22,Jansen,12,{POSTCODE},{PHONES['W']},nee,",
    f"V-2,Energie,Vattenfall,300,2026-10-21,de Boer,3,{POSTCODE},{PHONES['V']},nee,",
    f"E-3,Water,Evides,900,2026-10-28,Yılmaz,5,{POSTCODE},{PHONES['E']},ja,",
    f"Z-4,Zorg,Zilveren Kruis,50,2026-10-15,Visser,7,{POSTCODE},{PHONES['Z']},nee,",
    f"S-100,Huur,Ymere,400,2026-10-19,Smit,21,{POSTCODE},,nee,",
    f"S-100,Energie,Eneco,260,2026-10-23,Mulder,8,{POSTCODE},{PHONES['O']},nee,",
]
ROWS_DECEMBER = [f"D-1,Water,Evides,500,2026-11-25,Kok,30,{POSTCODE},+31612340009,nee,"]

ALREADY_ARRANGED = "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
REFERRAL = "Vervolghulp en/of verwijzing"
NO_CONTACT = "Definitief geen contact kunnen krijgen"


class Month:
    def __init__(self, cli: Cli, tmp: Path) -> None:
        self.cli = cli
        self.tmp = tmp
        self.files = 0

    def ingest(self, rows: list[str], now: str) -> dict[str, Any]:
        self.files += 1
        path = self.tmp / f"signals-{self.files}.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        summary: dict[str, Any] = self.cli.json("ingest", str(path), "--now", now)
        assert summary["rejected"] == 0, summary["errors"]
        return summary

    def tick(self, now: str) -> None:
        self.cli.json("tick", "--now", now)

    def reply(self, who: str, text: str, now: str) -> None:
        self.cli.json(
            "reply", "--channel", "sms", "--sender", PHONES[who], "--text", text, "--now", now
        )

    def case_id(self, partner: str, signal: str) -> int:
        for case in self.cli.json("cases"):
            if any(d["id"] == signal and d["partner"] == partner for d in case["signal_details"]):
                return int(case["id"])
        raise AssertionError(f"no case for {partner} {signal}")

    def open_task(self, case_id: int, kind: str) -> dict[str, Any]:
        tasks = self.cli.json("tasks", "--status", "open")
        (task,) = [t for t in tasks if t["case"] == case_id and t["kind"] == kind]
        return dict(task)

    def complete(self, task: dict[str, Any], now: str, *args: str) -> None:
        self.cli.json("task", "complete", str(task["id"]), "--now", now, *args)

    def letter(self, case_id: int, day: str, daypart: str, now: str) -> None:
        """A letter sent by a caseworker, recorded by hand (not reached: no reaction)."""
        self.cli.json(
            "case",
            "attempt",
            str(case_id),
            "--soort",
            "Brief",
            "--reached",
            "no",
            "--date",
            day,
            "--daypart",
            daypart,
            "--user",
            "caseworker",
            "--now",
            now,
        )

    def replay(self) -> None:
        self.ingest(ROWS_OCTOBER, "2026-10-30T10:00")
        self.tick("2026-10-30T10:00")
        self.ingest(ROWS_FIRST, "2026-11-01T00:30")
        self.ingest(ROWS_SECOND, "2026-11-02T08:00")
        self.tick("2026-11-02T09:00")
        self.reply("W", "3", "2026-11-03T09:30")
        self.reply("O", "STOP", "2026-11-03T10:00")
        crisis = self.case_id("Water", "E-3")
        self.complete(self.open_task(crisis, "phone"), "2026-11-03T10:00", "--reached", "no")
        self.complete(self.open_task(crisis, "home_visit"), "2026-11-04T14:00", "--reached", "no")
        self.tick("2026-11-05T09:00")
        self.letter(crisis, "2026-11-05", "Ochtend", "2026-11-05T09:30")
        self.tick("2026-11-09T09:00")
        call = self.open_task(self.case_id("Energie", "V-2"), "phone")
        self.complete(call, "2026-11-09T10:00", "--reached", "yes", "--result", REFERRAL)
        self.tick("2026-11-09T10:05")
        self.ingest(ROWS_DECEMBER, "2026-12-01T00:30")
        self.tick("2026-12-01T09:00")
