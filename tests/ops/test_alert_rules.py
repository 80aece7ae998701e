"""The example Prometheus alert rules in deploy/prometheus/: promtool accepts them and their
own unit tests pass, and every series they (and those tests) use is one Zaadje exports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from app.web_metrics import METRICS
from app.wiring import intervals_for
from monitor.operations import INGEST_OUTCOMES
from tests.serving import serving

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "zaadje-alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "zaadje-alerts.test.yml"
# Made by Prometheus itself for every scrape target, not by Zaadje.
PROMETHEUS_OWN = frozenset({"up"})
# PromQL words that look like names but are not series (functions are told by their "(").
KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
     "bool", "offset", "inf", "nan"}
)  # fmt: skip
TOKEN = "ops-metrics-token-0123456789"


def promtool() -> str:
    found = shutil.which("promtool") or shutil.which("promtool", path=str(Path(sys.prefix, "bin")))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but promtool is missing: `make test` installs it (.venv/bin)")
        pytest.skip("promtool is not installed: the alert rules are not checked")
    return found


def rule_expressions(text: str) -> list[str]:
    """Each rule's `expr`, written on one line or as a folded block (`expr: >-`)."""
    expressions: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        found = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if not found:
            continue
        indent, rest = len(found.group(1)), found.group(2).strip()
        if rest not in (">", ">-", "|", "|-"):
            expressions.append(rest)
            continue
        block: list[str] = []
        for following in lines[number + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        expressions.append(" ".join(part for part in block if part))
    return expressions


def series_names(expression: str) -> set[str]:
    """The series a PromQL expression selects (not its functions, labels or keywords)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expression)  # label values and regexes
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # grouping labels
    names = set()
    for found in re.finditer(r"(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?", text):
        name, call = found.group(1), found.group(2)
        if not call and name not in KEYWORDS:
            names.add(name)
    return names


def test_the_expressions_are_read() -> None:
    """The helpers find what a reader sees, so the check below can fail."""
    expression = (
        'histogram_quantile(0.99, sum by (le) (rate(zaadje_x_bucket{route=~"/webhooks/.*"}[5m])))'
        ' > 2 or time() - zaadje_y{pass="plan"} > 1800 and on (pass) up == 0'
    )
    assert series_names(expression) == {"zaadje_x_bucket", "zaadje_y", "up"}
    text = RULES.read_text(encoding="utf-8")
    expressions = rule_expressions(text)
    assert len(expressions) == len(re.findall(r"^\s*- alert:", text, re.M)) > 5
    assert all(expressions) and all(series_names(e) for e in expressions)


def test_promtool_checks_the_rules() -> None:
    tool = promtool()
    checked = subprocess.run(
        [tool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [tool, "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def stored_names(registry_metrics: list[tuple[str, str]]) -> set[str]:
    """The names Prometheus stores for each family of the exposition (a counter `x` is
    scraped as `x_total`, a histogram as its buckets, count and sum)."""
    names: set[str] = set()
    for name, kind in registry_metrics:
        if kind == "counter":
            names.add(f"{name}_total")
        elif kind == "gauge":
            names.add(name)
        elif kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
        else:
            raise AssertionError(f"{name}: a {kind} is new here: teach this test its names")
    return names


async def exported(db_url: str, folder: Path) -> set[str]:
    """What `GET /metrics` of `zaadje serve` holds, read from the application's registry
    right after a scrape (so the database's figures are in it)."""
    config = folder / "metrics.toml"
    config.write_text(f'[metrics]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    settings = Settings(
        database_url=db_url, config_path=str(config), secret_key_value="ops-test-key"
    )
    async with serving(settings) as served:
        metrics = served.app[METRICS]
        text = (await metrics.render()).decode()
        families = [(m.name, m.type) for m in metrics.registry.collect()]
    for name, _ in families:
        assert f"# TYPE {name}" in text, f"{name} is in the registry but not scraped"
    return stored_names(families)


async def test_every_series_in_the_rules_is_exported(sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "zaadje.db"
    shutil.copyfile(sqlite_template, database)
    names = await exported(f"sqlite:///{database}", tmp_path)
    assert {"zaadje_outbox_oldest_due_age_seconds", "zaadje_http_requests_total"} <= names
    used = {n for e in rule_expressions(RULES.read_text(encoding="utf-8")) for n in series_names(e)}
    tested = set(re.findall(r"series:\s*'([A-Za-z_:][A-Za-z0-9_:]*)\{", RULE_TESTS.read_text()))
    assert tested, "the rule tests feed no series"
    assert sorted(used - names - PROMETHEUS_OWN) == []
    assert sorted(tested - names - PROMETHEUS_OWN) == []


def label_values(expression: str, label: str) -> set[str]:
    """The values an expression compares `label` with (`="x"` or `=~"x|y"`)."""
    values: set[str] = set()
    for operator, given in re.findall(rf'\b{label}\s*(=~|=)\s*"([^"]*)"', expression):
        values |= set(given.split("|")) if operator == "=~" else {given}
    return values


def test_the_label_values_in_the_rules_are_zaadjes_own() -> None:
    """A rule on a pass or outcome that does not exist would never fire."""
    expressions = rule_expressions(RULES.read_text(encoding="utf-8"))
    passes = {v for e in expressions for v in label_values(e, "pass")}
    outcomes = {v for e in expressions for v in label_values(e, "outcome")}
    assert label_values('x{pass=~"a|b", outcome="c"}', "pass") == {"a", "b"}
    # The worker runs the capacity pass beside the configured ones (scheduler/worker.py).
    known_passes = set(intervals_for(Settings())) | {"capacity"}
    assert passes and passes <= known_passes, passes - known_passes
    assert known_passes <= passes, "every pass is watched for standing still"
    assert outcomes and outcomes <= set(INGEST_OUTCOMES), outcomes
