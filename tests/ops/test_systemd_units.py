"""The systemd units in deploy/: they pass `systemd-analyze verify`, and they run and stop
`zaadje serve` and `zaadje worker` the way the code expects (docs/beheer.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands.serve import HTTP_GRACE_SECONDS
from app.config import load_config
from app.web_metrics import metrics_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = (
    "zaadje-serve.service",
    "zaadje-worker@.service",
    "zaadje.target",
    "zaadje-backup.service",
    "zaadje-backup.timer",
)
# Where docs/beheer.md installs Zaadje and the backup script; verify needs the programs to
# exist, so the tests point a copy of the units at this checkout's own instead.
INSTALLED = "/opt/zaadje/venv/bin/zaadje"
BACKUP_SCRIPT = "/usr/local/bin/zaadje-backup"
STATE_DIRECTORY = "/var/lib/zaadje"


def systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed: the unit files are not verified")
    return tool


def our_zaadje() -> Path:
    binary = Path(sys.executable).parent / "zaadje"
    assert binary.is_file(), f"{binary} is missing: install Zaadje into the venv (make test)"
    return binary


def directives(path: Path) -> dict[tuple[str, str], list[str]]:
    """Every `Key=value` of a unit file by (section, key); a key may occur more than once."""
    found: dict[tuple[str, str], list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a Key=value line: {raw!r}"
        found.setdefault((section, key.strip()), []).append(value.strip())
    return found


def one(unit: dict[tuple[str, str], list[str]], section: str, key: str) -> str:
    values = unit.get((section, key), [])
    assert len(values) == 1, f"[{section}] {key}: expected once, found {values}"
    return values[0]


def copy_for_verify(folder: Path) -> list[str]:
    """The units with ExecStart pointing at this checkout, and an instance of the worker."""
    binary = str(our_zaadje())
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace(INSTALLED, binary).replace(BACKUP_SCRIPT, str(DEPLOY / "zaadje-backup"))
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "zaadje-worker@1.service").symlink_to(folder / "zaadje-worker@.service")
    return [*UNITS, "zaadje-worker@1.service"]


def verify(folder: Path, names: list[str]) -> tuple[int, list[str]]:
    result = subprocess.run(
        [systemd_analyze(), "verify", *names],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = (result.stdout + result.stderr).splitlines()
    # Only what concerns our units: verify may also speak of the system's own units that ours
    # are ordered after (network-online.target, postgresql.service).
    return result.returncode, [line for line in lines if "zaadje" in line]


def test_the_units_verify(tmp_path: Path) -> None:
    names = copy_for_verify(tmp_path)
    code, complaints = verify(tmp_path, names)
    assert code == 0 and complaints == [], "\n".join(complaints)


def test_verify_would_notice_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: a wrong value, an unknown key and a missing binary are each
    reported by systemd-analyze."""
    copy_for_verify(tmp_path)
    serve = tmp_path / "zaadje-serve.service"
    text = serve.read_text(encoding="utf-8")
    (tmp_path / "zaadje-bad.service").write_text(
        text.replace("Restart=on-failure", "Restart=sometimes\nRestartt=always"), encoding="utf-8"
    )
    (tmp_path / "zaadje-gone.service").write_text(
        text.replace(str(our_zaadje()), str(tmp_path / "no-such-zaadje")), encoding="utf-8"
    )
    _, complaints = verify(tmp_path, ["zaadje-bad.service"])
    assert any("sometimes" in line for line in complaints), complaints
    assert any("Restartt" in line for line in complaints), complaints
    code, complaints = verify(tmp_path, ["zaadje-gone.service"])
    assert code != 0 and any("no-such-zaadje" in line for line in complaints), complaints


@pytest.mark.parametrize(
    ("name", "command"),
    [("zaadje-serve.service", "serve"), ("zaadje-worker@.service", "worker")],
)
def test_how_the_services_run_and_stop(name: str, command: str) -> None:
    unit = directives(DEPLOY / name)
    exec_start = one(unit, "Service", "ExecStart").split()
    assert exec_start[:2] == [INSTALLED, command]
    if command == "serve":
        # Behind the reverse proxy: only on the loopback address.
        assert exec_start[exec_start.index("--host") + 1] == "127.0.0.1"
    # The code stops gracefully on SIGTERM (exit 0) and is cut off by a second signal; systemd
    # must send SIGTERM to the main process only (PDF workers finish with it) and wait longer
    # than serve's grace for requests in flight before it kills.
    assert unit.get(("Service", "KillSignal"), ["SIGTERM"]) == ["SIGTERM"]
    assert one(unit, "Service", "KillMode") == "mixed"
    assert float(one(unit, "Service", "TimeoutStopSec")) > 2 * HTTP_GRACE_SECONDS
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "Type") == "exec"
    # Hardened: its own user, no way to gain privileges, a read-only system.
    assert one(unit, "Service", "User") == "zaadje"
    assert one(unit, "Service", "NoNewPrivileges") == "yes"
    assert one(unit, "Service", "ProtectSystem") == "strict"
    assert one(unit, "Service", "ProtectHome") == "yes"
    assert one(unit, "Service", "CapabilityBoundingSet") == ""
    assert one(unit, "Service", "StateDirectory") == "zaadje"
    assert one(unit, "Service", "WorkingDirectory") == STATE_DIRECTORY
    assert one(unit, "Service", "EnvironmentFile") == "/etc/zaadje/zaadje.env"
    assert one(unit, "Unit", "PartOf") == "zaadje.target"
    assert one(unit, "Install", "WantedBy") == "zaadje.target"


def test_the_example_configuration_fits_the_units() -> None:
    """Under ProtectSystem=strict only the state directory is writable: the texts published
    from the desk must go there. The example's [metrics] section is one Zaadje accepts."""
    config = load_config(str(DEPLOY / "zaadje.toml.example"))
    override = Path(config["messages"]["override_dir"])
    assert override.is_relative_to(STATE_DIRECTORY)
    assert metrics_config(config).enabled


def test_the_environment_example_names_only_what_zaadje_reads() -> None:
    names = re.findall(
        r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "zaadje.env.example").read_text("utf-8"), re.M
    )
    assert {"DATABASE_URL", "ZAADJE_CONFIG", "ZAADJE_SECRET_KEY", "PUBLIC_BASE_URL"} <= set(names)
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("app", "desk")
        for path in (ROOT / folder).rglob("*.py")
    )
    unknown = [name for name in names if f'"{name}"' not in sources]
    assert unknown == [], f"zaadje.env.example names variables Zaadje never reads: {unknown}"
