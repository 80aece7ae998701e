"""Generate a realistic signal file of any size: `python bench/gen_signals.py --rows N -o FILE`.

Fictional residents at ~0.7 addresses per signal (so households get several partners and
repeats), Dutch notations mixed as partners send them, and a share of bad rows (bad amounts,
impossible dates, missing fields, bad phone numbers) and duplicate ids. Deterministic per seed.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from typing import TextIO

from signals.validate import COLUMNS

HEADER = list(COLUMNS)  # every column of CONTRACT §4, in the contract's order
PARTNERS = [
    ("Huur", "Woonstichting Voorbeeld", 0.30),
    ("Energie", "Stroom Voorbeeld BV", 0.25),
    ("Water", "Waterbedrijf Voorbeeld", 0.15),
    ("Zorg", "Zorgverzekeraar Voorbeeld", 0.22),
    ("CAK Zorgverzekeringen", "CAK", 0.05),
    ("Hypotheek", "Hypotheekbank Voorbeeld", 0.03),
]
SURNAMES = [
    "Proefhuis",
    "Testdeniz",
    "Verzinsel",
    "Fantasia",
    "Demowska",
    "Voorbeeldenko",
    "Proefidrissi",
    "Testman",
    "Illustratie",
    "Bijna-Niks",
    "Yılmaz-Proef",
    "Denkbeeld",
]
PREFIXES = ["", "", "", "van", "de", "van der", "ter"]
STREETS = ["Voorbeeldlaan", "Fictieplein", "Denkbeeldstraat", "Proefweg", "Verzinlaan", "Testkade"]
LANGS = ["", "", "", "", "nl", "nl", "en", "tr", "ar", "pl", "uk"]


def bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def amount(rng: random.Random) -> str:
    cents = int(rng.lognormvariate(6.0, 0.9) * 100)
    euros, rest = divmod(cents, 100)
    style = rng.random()
    if style < 0.4:
        return f"{euros},{rest:02d}"
    if style < 0.6:
        return f"{euros}.{rest:02d}"
    if style < 0.8:
        return f"€ {euros:,}".replace(",", ".") + f",{rest:02d}"
    return str(euros)


def generate(
    rows: int,
    out: TextIO,
    seed: int = 7,
    today: date = date(2026, 11, 20),
    bad_share: float = 0.02,
    duplicate_share: float = 0.01,
) -> None:
    rng = random.Random(seed)
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    addresses = max(1, int(rows * 0.7))
    weights = [p[2] for p in PARTNERS]
    for n in range(rows):
        a = rng.randrange(addresses)
        postcode = f"{1000 + a % 8999}{chr(65 + a // 8999 % 26)}{chr(65 + a // 233974 % 26)}"
        ptype, pname, _ = rng.choices(PARTNERS, weights)[0]
        signal_day = today - timedelta(days=rng.randrange(0, 200))
        sid = f"{ptype[:1]}-{n if rng.random() > duplicate_share else max(0, n - 1)}"
        record = {
            "id": sid,
            "signaalpartner": ptype,
            "signaalpartner_naam": pname,
            "bedrag": amount(rng),
            "signaaldatum": signal_day.isoformat()
            if rng.random() < 0.7
            else signal_day.strftime("%d-%m-%Y"),
            "ontstaansdatum": (signal_day - timedelta(days=rng.randrange(30, 120))).isoformat(),
            "crisissignaal": "ja" if rng.random() < 0.03 else "nee",
            "warme_overdracht": "ja" if rng.random() < 0.02 else "nee",
            "eindeleveringsdatum": (today + timedelta(days=rng.randrange(5, 60))).isoformat()
            if rng.random() < 0.04
            else "",
            "bsn": bsn(rng) if rng.random() < 0.5 else "",
            "voorletters": f"{chr(65 + rng.randrange(26))}.",
            "voorvoegsel": rng.choice(PREFIXES),
            "achternaam": rng.choice(SURNAMES),
            "geboortedatum": date(1940 + a % 65, 1 + a % 12, 1 + a % 28).isoformat(),
            "straatnaam": STREETS[a % len(STREETS)],
            "huisnummer": str(1 + a % 180),
            "huisnummertoevoeging": "" if a % 7 else "A",
            "postcode": postcode,
            "plaatsnaam": "Voorbeeldstad",
            "telefoonnummer": f"06 {10000000 + a % 89999999}" if rng.random() < 0.8 else "",
            "email": "",
            "taal": rng.choice(LANGS),
        }
        if rng.random() < bad_share:
            field, value = rng.choice(
                [
                    ("bedrag", "onbekend"),
                    ("bedrag", "-12,00"),
                    ("signaaldatum", "2026-02-30"),
                    ("postcode", "12345"),
                    ("achternaam", ""),
                    ("signaalpartner", "Bakker"),
                    ("telefoonnummer", "0612"),
                    ("bsn", "123456789"),
                ]
            )
            record[field] = value
        writer.writerow([record.get(h, "") for h in HEADER])  # e.g. no geslachtsaanduiding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            generate(args.rows, out, args.seed)
    else:
        generate(args.rows, sys.stdout, args.seed)


if __name__ == "__main__":
    main()
