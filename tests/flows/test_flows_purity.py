"""flows/ stays pure: standard library and `clock` only (ARCHITECTURE.md, "Rooms")."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import flows

ALLOWED_OURS = {"flows", "clock"}


def test_flows_imports_only_the_standard_library_and_clock() -> None:
    package = Path(flows.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED_OURS or top in sys.stdlib_module_names, (
                    f"{module.name} imports {name}"
                )
