"""The `zaadje` command line loads only the command it runs, and still knows every command."""

from __future__ import annotations

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
