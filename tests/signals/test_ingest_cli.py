"""`zaadje ingest` through the CLI, on SQLite and PostgreSQL: every row ends as exactly one of
accepted / accepted-with-warning / rejected / duplicate / suppressed, and bad input gets a
line, a field and a reason without costing the rest of the file."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import signals.intake
import signals.pipeline
from app.runtime import calendar_for, parse_now
from app.settings import load_settings
from signals import bulk
from signals.intake import IntakeSettings, ingest_file
from signals.ordering import Regrouped
from store.engine import make_engine
from tests.conftest import Cli, on_db, run_sync

NOW = "2026-11-20T10:00"
HEADER = [
    "id",
    "signaalpartner",
    "signaalpartner_naam",
    "bedrag",
    "signaaldatum",
    "crisissignaal",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "straatnaam",
    "huisnummer",
    "huisnummertoevoeging",
    "postcode",
    "plaatsnaam",
    "telefoonnummer",
    "email",
    "taal",
    "bsn",
]


def row(**values: str) -> dict[str, str]:
    base = {
        "id": "S-1",
        "signaalpartner": "Huur",
        "signaalpartner_naam": "Woonstad",
        "bedrag": "450,00",
        "signaaldatum": "2026-11-02",
        "crisissignaal": "nee",
        "voorletters": "P.",
        "voorvoegsel": "",
        "achternaam": "Jansen",
        "straatnaam": "Dorpsstraat",
        "huisnummer": "12",
        "huisnummertoevoeging": "",
        "postcode": "1234AB",
        "plaatsnaam": "Voorbeeld",
        "telefoonnummer": "06 12345678",
        "email": "",
        "taal": "",
        "bsn": "",
    }
    base.update(values)
    return base


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',;"\n') else value


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    sep: str = ",",
    newline: str = "\n",
    bom: bool = False,
    header: list[str] | None = None,
) -> Path:
    cols = header or HEADER
    lines = [sep.join(cols)] + [sep.join(quote(r.get(c, "")) for c in cols) for r in rows]
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def ingest(cli: Cli, path: Path, expect: int = 0) -> dict:
    return cli.json("ingest", str(path), "--now", NOW, expect=expect)


def check_counts(summary: dict) -> None:
    """Every row lands in exactly one bucket."""
    assert summary["received"] == (
        summary["accepted"] + summary["rejected"] + summary["duplicates"] + summary["suppressed"]
    )


@pytest.mark.parametrize(
    ("sep", "newline", "bom"),
    [(",", "\n", False), (";", "\n", True), (";", "\r\n", False), (",", "\r\n", True)],
)
def test_csv_dialects_all_read_the_same(
    cli: Cli, tmp_path: Path, sep: str, newline: str, bom: bool
) -> None:
    rows = [row(id="A", bedrag="1.234,56"), row(id="B", postcode="2345 cd", huisnummer="3")]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows, sep, newline, bom))
    assert summary["accepted"] == 2 and summary["rejected"] == 0, summary
    assert summary["households"] == 2 and summary["cases_opened"] == 2
    assert summary["warnings"] == []
    cases = cli.json("cases", "--now", NOW)
    assert sorted(c["address"] for c in cases) == ["1234AB 12", "2345CD 3"]


def test_missing_required_column_is_exit_2_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    # Without a postcode column a file needs a bsn column to find the residents by.
    header = [c for c in HEADER if c not in ("postcode", "bsn")]
    path = write_csv(tmp_path / "s.csv", [row()], header=header)
    code, out, err = cli.run("ingest", str(path), "--json")
    assert code == 2
    assert out == ""
    assert "postcode" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert cli.json("cases") == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text file"),
        (b"id,bedrag\n\xff\xfe\xfa\xfb not utf8 at all " * 10, "not UTF-8"),
        (b"", "empty"),
    ],
)
def test_unreadable_files_exit_2(cli: Cli, tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    code, out, err = cli.run("ingest", str(path), "--json")
    assert code == 2 and out == ""
    assert reason in err and "Traceback" not in err


def test_missing_file_exit_2(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli.run("ingest", str(tmp_path / "nope.csv"))
    assert code == 2 and "not found" in err


REQUIRED_CASES = [
    ({"id": ""}, "id", "ontbreekt"),
    ({"signaalpartner": ""}, "signaalpartner", "ontbreekt"),
    ({"signaalpartner": "Bakker"}, "signaalpartner", "onbekende signaalpartner"),
    ({"bedrag": ""}, "bedrag", "ontbreekt"),
    ({"bedrag": "-10"}, "bedrag", "negatief"),
    ({"bedrag": "2.000.000"}, "bedrag", "onwaarschijnlijk"),
    ({"bedrag": "veel"}, "bedrag", "geen getal"),
    ({"signaaldatum": ""}, "signaaldatum", "ontbreekt"),
    ({"signaaldatum": "2026-02-30"}, "signaaldatum", "onmogelijke datum"),
    ({"signaaldatum": "31-04-2026"}, "signaaldatum", "onmogelijke datum"),
    ({"signaaldatum": "2027-01-01"}, "signaaldatum", "toekomst"),
    ({"achternaam": "x" * 10_000}, "achternaam", "langer dan 200"),
    ({"straatnaam": "S" * 10_000}, "straatnaam", "langer dan 200"),
    ({"huisnummer": ""}, "huisnummer", "ontbreekt"),
    ({"huisnummer": "twaalf"}, "huisnummer", "geen getal"),
    ({"postcode": ""}, "postcode", "ontbreekt"),
    ({"postcode": "12345"}, "postcode", "postcode"),
]


def test_every_required_field_missing_or_invalid(cli: Cli, tmp_path: Path) -> None:
    rows = [row(id="GOOD-1")]
    for i, (values, _, _) in enumerate(REQUIRED_CASES):
        rows.append(row(**{"id": f"BAD-{i}", **values}))
    rows.append(row(id="GOOD-2", huisnummer="14"))
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    check_counts(summary)
    assert summary["accepted"] == 2
    assert summary["rejected"] == len(REQUIRED_CASES)
    by_line = {e["line"]: e for e in summary["errors"]}
    for i, (_, field, reason) in enumerate(REQUIRED_CASES):
        error = by_line[i + 3]  # header is line 1, GOOD-1 line 2
        assert error["field"] == field, error
        assert reason in error["message"], error


def test_invalid_optional_values_warn_and_keep_the_row(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(
            id="W1",
            telefoonnummer="0612345",
            email="geen-mail",
            taal="klingon",
            bsn="123456789",
            crisissignaal="misschien",
        ),
        row(id="W2", huisnummer="14", telefoonnummer="+31 6 2345 6789", taal="TR", bsn="111222333"),
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows))
    assert summary["accepted"] == 2 and summary["rejected"] == 0
    assert summary["accepted_with_warning"] == 1
    warned = {(w["line"], w["field"]) for w in summary["warnings"]}
    assert warned == {
        (2, "telefoonnummer"),
        (2, "email"),
        (2, "taal"),
        (2, "bsn"),
        (2, "crisissignaal"),
    }
    cases = {c["address"]: c for c in cli.json("cases", "--now", NOW)}
    assert cases["1234AB 14"]["locale"] == "tr"
    assert cases["1234AB 12"]["locale"] == "nl"


def test_truncated_rows_and_unknown_columns(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,kleur\n"
        "T1,Huur,500,2026-11-01,Jansen,12,1234AB,rood\n"
        "T2,Energie,300,2026-11-01\n"
        "T3,Water,200,2026-11-01,Smit,4,1234AB\n",
        encoding="utf-8",
    )
    summary = ingest(cli, path)
    check_counts(summary)
    assert summary["accepted"] == 2
    assert summary["errors"] == [{"line": 3, "field": "postcode", "message": "postcode ontbreekt"}]
    fields = {(w["line"], w["field"]) for w in summary["warnings"]}
    assert (1, "kleur") in fields  # unknown column named
    assert (4, "regel") in fields  # a short row that still had what it needed


def test_quotes_sql_and_non_latin_names_are_kept_verbatim(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row(id="Q1", achternaam='O\'Brien "de" ; DROP TABLE signals; --', straatnaam="Laan, 1e"),
        row(id="Q2", huisnummer="3", achternaam="Yılmaz", voorletters="Ş.Ğ.", taal="tr"),
        row(id="Q3", huisnummer="5", achternaam="العربي", voorletters="م.", taal="ar"),
        row(id="Robert'); DROP TABLE cases;--", huisnummer="7"),
    ]
    summary = ingest(cli, write_csv(tmp_path / "s.csv", rows, sep=";"))
    assert summary["accepted"] == 4, summary
    cases = cli.json("cases", "--now", NOW)
    assert len(cases) == 4
    assert {c["locale"] for c in cases} == {"nl", "tr", "ar"}
    assert "Robert'); DROP TABLE cases;--" in {s for c in cases for s in c["signals"]}


def test_duplicates_within_and_across_files(cli: Cli, tmp_path: Path) -> None:
    rows = [row(id="D1"), row(id="D1", bedrag="999"), row(id="D1", signaalpartner="Energie")]
    first = ingest(cli, write_csv(tmp_path / "a.csv", rows))
    assert (first["accepted"], first["duplicates"]) == (2, 1)
    again = ingest(
        cli, write_csv(tmp_path / "b.csv", [*rows, row(id="D2", signaalpartner="Water")])
    )
    check_counts(again)
    assert (again["accepted"], again["duplicates"]) == (1, 3)
    # Re-running changes nothing: same cases, same priorities.
    before = cli.json("cases", "--now", NOW)
    ingest(cli, tmp_path / "b.csv")
    assert cli.json("cases", "--now", NOW) == before


def test_a_signal_taken_in_before_is_a_duplicate_whatever_it_holds_now(
    cli: Cli, tmp_path: Path
) -> None:
    """CONTRACT §4: partner type + id identify a signal; sending it again is a duplicate,
    not an error, and changes nothing — so it is neither rejected nor warned about again,
    however its other fields changed. Also when its key is written in a way only the row
    validator reads (a Kelvin sign lower-cases to k in Python, and is not ASCII)."""
    cak = "CAK Zorgverzekeringen"
    first = ingest(
        cli,
        write_csv(
            tmp_path / "a.csv",
            [
                row(id="R1", telefoonnummer="12"),
                row(id="C1", signaalpartner=cak, huisnummer="3"),
                row(id='Q"\\1\u00e9', huisnummer="5"),
            ],
        ),
    )
    assert first["accepted"] == 3 and [w["field"] for w in first["warnings"]] == ["telefoonnummer"]
    again = ingest(
        cli,
        write_csv(
            tmp_path / "b.csv",
            [
                row(id="R1", telefoonnummer="12"),
                row(id=" R1 ", bedrag="veel", signaaldatum="gisteren"),
                row(
                    id="C1",
                    signaalpartner="CA\u212a Zorgverzekeringen",
                    huisnummer="3",
                    telefoonnummer="12",
                ),
                row(id="R2", bedrag="veel"),
                row(id='Q"\\1\u00e9', huisnummer="5"),
            ],
        ),
    )
    check_counts(again)
    assert (again["duplicates"], again["rejected"], again["accepted"]) == (4, 1, 0), again
    assert [(e["line"], e["field"]) for e in again["errors"]] == [(5, "bedrag")]
    assert again["warnings"] == []
    # A short row (an export that leaves out its empty last columns) sent again: no shape
    # warning either.
    short = tmp_path / "c.csv"
    short.write_text(",".join(HEADER) + "\nR1,Huur,Woonstad,450\n", encoding="utf-8")
    third = ingest(cli, short)
    assert (third["duplicates"], third["warnings"], third["errors"]) == (1, [], []), third


def test_an_unknown_column_with_a_long_name_is_warned_about(cli: Cli, tmp_path: Path) -> None:
    """The warning names the column in full; its `field` (80 characters) holds the start."""
    long_name = "opmerking_" + "x" * 120
    path = write_csv(
        tmp_path / "long.csv", [{**row(), long_name: "iets"}], header=[*HEADER, long_name]
    )
    summary = ingest(cli, path)
    assert summary["accepted"] == 1, summary
    assert [w["field"] for w in summary["warnings"]] == [long_name[:80]]
    assert long_name in summary["warnings"][0]["message"]


def test_ddas_json_document_and_list(cli: Cli, tmp_path: Path) -> None:
    example = Path(__file__).parents[1] / "data" / "ddas" / "meervoudigVoorbeeld.json"
    summary = cli.json("ingest", str(example), "--now", "2025-03-01T10:00")
    check_counts(summary)
    assert summary["accepted"] >= 2 and summary["rejected"] == 0, summary
    listed = tmp_path / "list.json"
    listed.write_text(
        '[{"ID": "J1", "signaalpartner": {"type": "huur"}, "bedrag": 812.5, '
        '"signaaldatum": "2026-11-01", "crisissignaal": true, '
        '"client": {"Achternaam": "Visser", "Postcode": "9999 zz", "Huisnummer": "1"}, '
        '"contact": {"telefoonnummer": "06-11112222", "taal": "pl"}},'
        ' {"ID": "J2", "signaalpartner": {"type": "Water"}, "client": {}}]',
        encoding="utf-8",
    )
    summary = cli.json("ingest", str(listed), "--now", NOW)
    assert summary["accepted"] == 1 and summary["rejected"] == 1
    assert summary["errors"][0]["line"] == 2
    visser = next(c for c in cli.json("cases", "--now", NOW) if c["address"] == "9999ZZ 1")
    assert visser["locale"] == "pl" and "Crisissignaal" in visser["reasons"]


def test_ddas_keys_nothing_reads_are_warned_about_once(cli: Cli, tmp_path: Path) -> None:
    """A misspelt key (`telefoon` for contact.telefoonnummer) would drop a value unseen: each
    unknown key is named once, on the first signal that has it; the signals are taken in."""
    signal = (
        '{{"ID": "{id}", "signaalpartner": {{"type": "Huur", "naam": "Woonstad"}}, "bedrag": 500,'
        ' "signaaldatum": "2026-11-01", "status": "Nog niet opgepakt", {extra}'
        ' "client": {{"Achternaam": "Smit", "postcode": "1234AB", "huisnummer": "{n}",'
        ' "Geslachtsaanduiding": "Vrouw", "telefoon": "0612345678"}}}}'
    )
    path = tmp_path / "keys.json"
    path.write_text(
        "["
        + ", ".join(
            [
                signal.format(id="K1", n=1, extra=""),
                signal.format(id="K2", n=2, extra='"opmerking": "x", "contact": {"tel": "1"},'),
                signal.format(id="K3", n=3, extra='"opmerking": "y",'),
            ]
        )
        + "]",
        encoding="utf-8",
    )
    summary = cli.json("ingest", str(path), "--now", NOW)
    assert summary["accepted"] == 3 and summary["rejected"] == 0, summary
    assert [(w["line"], w["field"], w["message"]) for w in summary["warnings"]] == [
        (1, "client.telefoon", "onbekend veld 'client.telefoon' genegeerd"),
        (2, "opmerking", "onbekend veld 'opmerking' genegeerd"),
        (2, "contact.tel", "onbekend veld 'contact.tel' genegeerd"),
    ]


def test_broken_json_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"leveringen": [', encoding="utf-8")
    code, _, err = cli.run("ingest", str(path))
    assert code == 2 and "JSON" in err


def test_a_nul_character_rejects_only_its_row(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "nul.json"
    path.write_text(
        '[{"ID": "N1", "signaalpartner": {"type": "Huur"}, "bedrag": 500,'
        ' "signaaldatum": "2026-11-01", "client": {"Achternaam": "Jan\\u0000sen",'
        ' "Postcode": "1234AB", "Huisnummer": "1"}},'
        ' {"ID": "N2", "signaalpartner": {"type": "Huur"}, "bedrag": 500,'
        ' "signaaldatum": "2026-11-01", "client": {"Achternaam": "Smit",'
        ' "Postcode": "1234AB", "Huisnummer": "2"}}]',
        encoding="utf-8",
    )
    summary = cli.json("ingest", str(path), "--now", NOW)
    assert summary["accepted"] == 1 and summary["rejected"] == 1
    assert summary["errors"][0]["field"] == "achternaam"


def test_a_file_that_breaks_off_keeps_the_counts_whole(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(
        '[{"ID": "C1", "signaalpartner": {"type": "Huur"}, "bedrag": 500,'
        ' "signaaldatum": "2026-11-01", "client": {"Achternaam": "Smit",'
        ' "Postcode": "1234AB", "Huisnummer": "2"}}, {"ID": "C2", "sig',
        encoding="utf-8",
    )
    summary = cli.json("ingest", str(path), "--now", NOW)
    check_counts(summary)
    assert summary["accepted"] == 1 and summary["errors"][0]["field"] == "bestand"
    # One line, and none of the file's text (ijson's own message quotes it around the fault).
    cut = tmp_path / "cut2.json"
    cut.write_text(
        '[{"ID": "C3"}, {"ID": "C4", "client": {"Achternaam": Visser}}]', encoding="utf-8"
    )
    message = cli.json("ingest", str(cut), "--now", NOW)["errors"][-1]["message"]
    assert message.startswith("bestand breekt af: not valid JSON: "), message
    assert "\n" not in message and "Visser" not in message, message


def test_a_rejected_long_row_says_it_was_long(cli: Cli, tmp_path: Path) -> None:
    """An amount with a decimal comma, unquoted in a comma file, splits into two fields and
    shifts the rest: the rejection names the field it tripped on, and the row's note says why
    its fields look wrong."""
    header = ",".join(HEADER)
    good = ",".join(quote(row(id="A").get(c, "")) for c in HEADER)
    shifted = ",".join(row(id="B").get(c, "") if c != "bedrag" else "1234,56" for c in HEADER)
    path = tmp_path / "s.csv"
    path.write_text(f"{header}\n{good}\n{shifted}\n", encoding="utf-8")
    summary = ingest(cli, path)
    assert summary["accepted"] == 1 and summary["rejected"] == 1
    assert [e["line"] for e in summary["errors"]] == [3]
    width = len(HEADER)
    assert summary["warnings"] == [
        {
            "line": 3,
            "field": "regel",
            "message": f"regel heeft {width + 1} velden, de kop {width}; extra genegeerd",
        }
    ]


def test_a_quote_never_closed_costs_only_its_own_row(cli: Cli, tmp_path: Path) -> None:
    """The quote opened on line 3 is never closed: Python's csv module reads on to the next
    quote (line 6) as one field, which took lines 4 and 5 with it, unreported. Now line 3 is
    rejected and every other line taken in (CONTRACT §4: the rest is still taken in)."""
    header = "id,signaalpartner,bedrag,signaaldatum,achternaam,straatnaam,huisnummer,postcode"
    lines = [
        header,
        'A,Huur,"450,00",2026-11-02,Jansen,Dorpsstraat,1,1234AB',
        'B,Huur,450,2026-11-02,"Jansen,Dorpsstraat,2,1234AB',
        "C,Huur,450,2026-11-02,Jansen,Dorpsstraat,3,1234AB",
        "D,Huur,450,2026-11-02,Jansen,Dorpsstraat,4,1234AB",
        'E,Huur,"1.234,56",2026-11-02,Jansen,Dorpsstraat,5,1234AB',
        "F,Huur,450,2026-11-02,Jansen,Dorpsstraat,6,1234AB",
    ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest(cli, path)
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (6, 5, 1)
    (error,) = summary["errors"]
    assert error["line"] == 3 and "aanhalingsteken" in error["message"]
    cases = cli.json("cases", "--now", NOW)
    assert sorted(c["signals"][0] for c in cases) == ["A", "C", "D", "E", "F"]


def test_a_quoted_line_break_still_belongs_to_its_field(cli: Cli, tmp_path: Path) -> None:
    """A row over two lines of the header's width is a field with a line break, not a quote
    left open: it is taken in whole."""
    header = "id,signaalpartner,bedrag,signaaldatum,achternaam,straatnaam,huisnummer,postcode"
    body = (
        'A,Huur,450,2026-11-02,Jansen,"Dorps\nstraat",1,1234AB\n'
        "B,Huur,450,2026-11-02,X,Y,2,1234AB\n"
    )
    path = tmp_path / "s.csv"
    path.write_text(f"{header}\n{body}", encoding="utf-8")
    summary = ingest(cli, path)
    assert (summary["accepted"], summary["rejected"]) == (2, 0)


def test_an_open_quote_does_not_join_two_rows_that_quote_the_same_column(
    cli: Cli, tmp_path: Path
) -> None:
    """Found by a reviewer: when every row quotes its name, an open quote runs on to the
    next row's, and the two lines read as one row of the right width — A at B's address."""
    header = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode"
    lines = [
        header,
        'A,Huur,450,2026-11-02,"Jansen,1,1234AB',
        'B,Huur,450,2026-11-02,"Pietersen",2,5678CD',
        'C,Huur,450,2026-11-02,"De Vries",3,1234AB',
    ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest(cli, path)
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    assert [e["line"] for e in summary["errors"]] == [2]
    cases = {c["signals"][0]: c["address"] for c in cli.json("cases", "--now", NOW)}
    assert cases == {"B": "5678CD 2", "C": "1234AB 3"}


def test_a_line_break_in_a_long_row_stays_in_its_field(cli: Cli, tmp_path: Path) -> None:
    header = "id,signaalpartner,bedrag,signaaldatum,achternaam,straatnaam,huisnummer,postcode"
    body = 'A,Huur,450,2026-11-02,Jansen,"Dorps\nstraat",1,1234AB,extra\n'
    path = tmp_path / "s.csv"
    path.write_text(f"{header}\n{body}", encoding="utf-8")
    summary = ingest(cli, path)
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (1, 1, 0)
    assert [w["line"] for w in summary["warnings"]] == [2]


def test_an_open_quote_past_the_field_limit_loses_no_later_line(cli: Cli, tmp_path: Path) -> None:
    """With no other quote in the file, the open field grows past the csv module's size
    limit, which stops the reader with an error part-way: the lines it took are read again."""
    header = "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode"
    rows = [f"R{n},Huur,450,2026-11-02,{'x' * 60},{n},1234AB" for n in range(3000)]
    rows[0] = rows[0].replace(",x", ',"x', 1)
    path = tmp_path / "s.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    summary = ingest(cli, path)
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (3000, 2999, 1)
    assert [e["line"] for e in summary["errors"]] == [2]


def test_a_batch_the_database_refuses_is_named_without_its_data(cli: Cli, tmp_path: Path) -> None:
    """The database may refuse what validation let through (here a rule a municipality's
    DBA added): the intake stops with one line that names the rule, not the row — the
    driver's own message would quote the resident's name, address and BSN."""

    async def refuse(conn: Any) -> None:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                text(
                    "ALTER TABLE signals ADD CONSTRAINT no_weigeraar CHECK (surname <> 'Weigeraar')"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE TRIGGER no_weigeraar BEFORE INSERT ON signals"
                    " WHEN NEW.surname = 'Weigeraar' BEGIN SELECT RAISE(ABORT, 'no_weigeraar'); END"
                )
            )

    on_db(cli.db, refuse)
    path = write_csv(tmp_path / "s.csv", [row(id="W", achternaam="Weigeraar", bsn="111222333")])
    code, out, err = cli.run("ingest", str(path), "--now", NOW)
    assert code == 2 and out == ""
    assert "Traceback" not in err and "refused" in err
    assert "Weigeraar" not in err and "111222333" not in err and "1234AB" not in err


def test_the_plain_summary_says_how_many_warnings_it_left_out(cli: Cli, tmp_path: Path) -> None:
    rows = [row(id=f"W{n}", huisnummer=str(n + 1), telefoonnummer="12") for n in range(25)]
    code, out, _ = cli.run("ingest", str(write_csv(tmp_path / "s.csv", rows)), "--now", NOW)
    assert code == 0
    assert out.count("  warning: line") == 20
    assert "… and 5 more warnings (see --json)" in out


def test_rows_after_the_first_chunk_that_are_all_rejected_cost_nothing_else(
    cli: Cli, tmp_path: Path
) -> None:
    # A file is read 10,000 rows at a time (signals.batching.READ_ROWS): the rows past the
    # first 10,000 here make a chunk of their own without one signal in it.
    good = [row(id=f"S-{n}", huisnummer=str(1 + n % 500), postcode=f"{1000 + n // 500}AB")
            for n in range(10_000)]  # fmt: skip
    bad = [row(id="S-x", bedrag="veel"), row(id="S-y", signaaldatum="gisteren")]
    summary = ingest(cli, write_csv(tmp_path / "a.csv", good + bad))
    check_counts(summary)
    assert (summary["accepted"], summary["rejected"]) == (10_000, 2)
    assert [e["line"] for e in summary["errors"]] == [10_002, 10_003]


def test_a_batch_that_clashes_after_part_of_it_was_written_is_stored_once(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clash can be found after some of a batch is written (a unique key refused a later
    table's rows, a deadlock): the batch's writes roll back to its savepoint, and the batch
    prepared again is written once, nothing twice and nothing lost (forced here, as an
    intake alongside would cause it on PostgreSQL)."""
    write = signals.pipeline.write
    writes: list[int] = []

    async def clash_once_written(conn: Any, prepared: Any) -> None:
        await write(conn, prepared)
        writes.append(prepared.size)
        if len(writes) == 1:
            raise bulk.Clash("as if an intake alongside had written one of these first")

    monkeypatch.setattr(signals.pipeline, "write", clash_once_written)
    rows = [row(id=f"S-{n}", huisnummer=str(n + 1)) for n in range(5)]
    summary = ingest(cli, write_csv(tmp_path / "a.csv", rows))
    assert writes == [5, 5]
    assert (summary["accepted"], summary["households"], summary["cases_opened"]) == (5, 5, 5)
    assert len(cli.json("cases")) == 5
    assert cli.json("db", "check") == {"ok": True, "dangling": []}


def test_a_household_erased_while_a_file_is_taken_in_gets_none_of_its_signals(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(cli, write_csv(tmp_path / "a.csv", [row(id="A-1")]))
    # Erasure rewrites a household's address key (scheduler/erasure.py): here between the two
    # passes of the next intake, whose first pass found the household by its address.
    first_pass_over = Regrouped.repeated_lines

    def erased_meanwhile(regrouped: Regrouped) -> set[int]:
        scrub = text("UPDATE households SET address_key = 'erased:' || id, postcode = ''")
        on_db(db_url, lambda conn: conn.execute(scrub))
        return first_pass_over(regrouped)

    monkeypatch.setattr(Regrouped, "repeated_lines", erased_meanwhile)
    ingest(cli, write_csv(tmp_path / "b.csv", [row(id="B-1")]))

    async def households(conn: Any) -> dict[str, str]:
        query = "SELECT s.partner_signal_id, h.address_key FROM signals s JOIN households h"
        rows = await conn.execute(text(query + " ON h.id = s.household_id"))
        return dict(rows.all())

    stored = on_db(db_url, households)
    assert stored["A-1"].startswith("erased:")
    assert stored["B-1"] == "1234AB|12|"


def test_an_intake_stopped_while_it_reads_the_file_stops_and_closes_it(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C cancels the intake's task (asyncio.run). The worker thread reading the file
    # cannot be cancelled: the intake waits for the chunk it reads, then closes the file.
    path = write_csv(tmp_path / "a.csv", [row(id=f"S-{n}") for n in range(3)])
    reading, closed = threading.Event(), threading.Event()
    read_chunks = signals.intake.read_chunks

    def slow_disk(*args: Any) -> Iterator[Any]:
        try:
            reading.set()
            time.sleep(0.3)  # the worker thread is inside next() here
            yield from read_chunks(*args)
        finally:
            closed.set()

    monkeypatch.setattr(signals.intake, "read_chunks", slow_disk)
    settings = load_settings(db_url)
    calendar = calendar_for(settings)
    intake = IntakeSettings.from_config(settings.config, calendar)

    async def stopped() -> str:
        engine = make_engine(db_url)
        now = parse_now(NOW, calendar)
        task = asyncio.create_task(ingest_file(engine, path, None, now, intake))
        await asyncio.to_thread(reading.wait)
        task.cancel()
        try:
            await task
        except BaseException as exc:
            return type(exc).__name__
        finally:
            await engine.dispose()
        return "finished"

    assert run_sync(stopped) == "CancelledError"
    assert closed.is_set()
