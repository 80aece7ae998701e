"""`zaadje telegram code CASE`: a resident gets a link code by SMS — queued in the outbox as
`chat.link_code` for the case's number, the code never printed — and clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli

CSV = (
    "id,signaalpartner,bedrag,signaaldatum,achternaam,huisnummer,postcode,telefoonnummer\n"
    "A-1,Huur,640,2026-10-20,Jansen,12,1234AB,06 12345678\n"
    "A-2,Huur,640,2026-10-20,Pietersen,14,1234AB,\n"
)


@pytest.fixture
def town(cli: Cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    (workdir / "gemeente.toml").write_text('[telegram]\nbot_name = "@VoorbeeldBot"\n')
    monkeypatch.setenv("ZAADJE_CONFIG", str(workdir / "gemeente.toml"))
    monkeypatch.setenv("ZAADJE_SECRET_KEY", "cli-test-key")
    (workdir / "s.csv").write_text(CSV, encoding="utf-8")
    cli.json("ingest", "s.csv", "--now", "2026-11-02T10:00")
    return cli


def test_a_code_is_queued_by_sms_and_sent(town: Cli) -> None:
    cases = {c["household"]: c["id"] for c in town.json("cases")}
    case = min(cases.values())
    offered = town.json("telegram", "code", str(case), "--now", "2026-11-02T10:00")
    assert offered["case"] == case and offered["expires_at"].startswith("2026-11-16")
    town.json("tick", "--now", "2026-11-02T10:00")
    (sms,) = [m for m in town.json("outbox") if m["message_key"] == "chat.link_code"]
    assert (sms["channel"], sms["to"], sms["status"]) == ("sms", "+31612345678", "delivered")
    assert "@VoorbeeldBot" in sms["text"] and "http" not in sms["text"]
    code, out, _ = town.run("telegram", "code", str(case), "--now", "2026-11-02T10:00")
    assert code == 0 and "code queued by SMS" in out
    # The printed line names no code: the code is for the resident's phone only.
    assert not any(word.isupper() and len(word) == 6 for word in out.split())


def test_clear_errors(town: Cli, workdir: Path) -> None:
    no_phone = max(c["id"] for c in town.json("cases"))
    code, _, err = town.run("telegram", "code", "999")
    assert (code, err.strip()) == (2, "zaadje: no case 999")
    code, _, err = town.run("telegram", "code", str(no_phone))
    assert (code, err.strip()) == (
        2,
        f"zaadje: case {no_phone} has no phone number to send the code to",
    )
    (workdir / "gemeente.toml").write_text("")
    code, _, err = town.run("telegram", "code", str(no_phone))
    assert code == 2 and "[telegram] bot_name is empty" in err
