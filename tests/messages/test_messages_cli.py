"""`zaadje messages check` and `zaadje messages preview` as a communicator uses them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app import cli
from messages.keys import KEYS

Edit = Callable[..., None]


@pytest.fixture(autouse=True)
def only_messages_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("messages",))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_passes_on_the_shipped_catalogues(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "messages", "check", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["errors"] == []
    assert data["warnings"], "the unreviewed translations are reported"
    assert set(data["warnings"][0]) >= {"locale", "key", "rule", "message"}


def test_check_json_fails_on_a_broken_copy(
    capsys: pytest.CaptureFixture[str], locales: Path, edit: Edit
) -> None:
    edit(
        locales,
        "nl",
        "sms.reminder",
        "Gemeente {gemeente}: Betaal uw schuld van € 120 via www.betaalnu.nl.",
    )
    code, out, _ = run(capsys, "messages", "check", "--json", "--locales-dir", str(locales))
    data = json.loads(out)
    assert code == 1
    broken = {(e["locale"], e["key"], e["rule"]) for e in data["errors"]}
    assert {
        ("nl", "sms.reminder", "debt-word"),
        ("nl", "sms.reminder", "amount"),
        ("nl", "sms.reminder", "link"),
        ("nl", "sms.reminder", "placeholders"),  # {telefoon} is missing
    } <= broken


def test_check_for_people(capsys: pytest.CaptureFixture[str], locales: Path, edit: Edit) -> None:
    code, out, _ = run(capsys, "messages", "check")
    assert code == 0
    assert "OK: 0 errors" in out
    assert f"tr: {len(KEYS)} texts need review (fuzzy)" in out
    edit(locales, "en", "sms.menu", "Municipality of {gemeente}: see https://x.example")
    code, out, _ = run(capsys, "messages", "check", "--locales-dir", str(locales))
    assert code == 1
    assert "error: en sms.menu: [link]" in out and "FAILED: 1 errors" in out


def test_check_json_reports_a_broken_letter(
    capsys: pytest.CaptureFixture[str], locales: Path, edit: Edit
) -> None:
    edit(locales, "nl", "letter.first_contact.subject", "Uw betalingsachterstand bij Eneco")
    edit(locales, "en", "letter.after_visit.subject", "About your bills")
    code, out, _ = run(capsys, "messages", "check", "--json", "--locales-dir", str(locales))
    data = json.loads(out)
    assert code == 1
    broken = {(e["locale"], e["key"], e["rule"]) for e in data["errors"]}
    assert broken == {
        ("nl", "letter.first_contact.subject", "debt-word"),
        ("nl", "letter.first_contact.subject", "creditor"),
        ("nl", "letter.first_contact.subject", "discreet"),  # betaling…: others may see it
        ("en", "letter.after_visit.subject", "discreet"),
    }


def test_check_with_the_municipalitys_own_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "messages", "check", "--set", "gemeente=Ede", "--set", "n=3")
    assert code == 0


def test_check_of_a_missing_directory_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "messages", "check", "--locales-dir", str(tmp_path / "nope"))
    assert code == 2 and "no such directory" in err


def test_preview(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "messages", "preview", "sms.first_contact")
    assert code == 0
    assert out.startswith("Gemeente Hardinxveld-Giessendam: Goedendag.")
    assert "encoding:   GSM-7" in out and "segments:   2" in out


def test_preview_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "messages",
        "preview",
        "sms.after_missed_call",
        "--locale",
        "en",
        "--set",
        "gemeente=Ede",
        "--n",
        "1",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert {"key", "locale", "text", "encoding", "segments", "characters"} <= set(data)
    assert data["locale"] == "en" and "in 1 working day." in data["text"]
    assert data["text"].startswith("Municipality of Ede: ")
    assert data["characters"] == len(data["text"])


def test_preview_shows_which_language_the_resident_really_gets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "messages", "preview", "sms.help", "--locale", "uk")
    assert "locale:     nl (no reviewed uk text yet" in out
    _, out, _ = run(capsys, "messages", "preview", "sms.help", "--locale", "uk", "--draft")
    assert "locale:     uk" in out and "encoding:   UCS-2" in out


def test_preview_of_an_unknown_key_suggests_the_right_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "messages", "preview", "sms.frist_contact")
    assert code == 2 and "did you mean sms.first_contact" in err


def test_preview_rejects_a_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "messages", "preview", "sms.home_visit_announce", "--set", "datum=morgen"
    )
    assert code == 2 and "YYYY-MM-DD" in err
