"""The `zaadje` command line loads only the command it runs, and still knows every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.cli import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parents[2]


def _modules_loaded_by(*args: str) -> set[str]:
    probe = (
        "import sys, app.cli\n"
        "try:\n"
        f"    app.cli.main({list(args)!r})\n"
        "finally:\n"
        "    print(' '.join(m for m in sys.modules if m.startswith(('app.commands.', 'desk'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    return set(done.stdout.strip().splitlines()[-1].split())


def test_a_command_loads_its_own_module_and_not_the_desk() -> None:
    loaded = _modules_loaded_by("ingest", "--help")
    assert "app.commands.ingest" in loaded
    assert not any(m.startswith("desk") for m in loaded)  # the web desk is not loaded
    assert "app.commands.serve" not in loaded


def test_task_is_found_in_the_tasks_module(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["task", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "{claim,complete}" in capsys.readouterr().out


def test_an_unknown_command_lists_every_command(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["bogus"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in err
    assert all(name in err for name in COMMAND_MODULES)


def test_ingest_on_a_terminal_shows_progress_and_takes_the_file_in(tmp_path: Path) -> None:
    """With stderr on a terminal (and no --json) the intake makes a progress bar; that bar
    once made the command fail before reading a row."""
    db = f"sqlite:///{tmp_path / 'zaadje.db'}"
    signals = tmp_path / "signals.csv"
    signals.write_text(
        "id;signaalpartner;bedrag;signaaldatum;achternaam;postcode;huisnummer\n"
        "H-1;Huur;450,00;2026-11-02;Jansen;1234AB;7\n",
        encoding="utf-8",
    )
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "db", "upgrade", "--db", db], cwd=ROOT, check=True, capture_output=True)
    leader, terminal = os.openpty()
    try:
        done = subprocess.run(
            [*cli, "ingest", str(signals), "--db", db, "--now", "2026-11-20T10:00"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=120,
        )
        os.close(terminal)
        drawn = _read_all(leader)
    finally:
        os.close(leader)
    assert done.returncode == 0, drawn
    assert "received 1: accepted 1" in done.stdout


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal's other end is closed: all was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
