"""Which message keys the code renders, found with Babel's extractor and `babel.cfg`.

A call such as `render("sms.reminder", locale, ...)` or `render_detail("sms.reminder", ...)`
with a literal key is collected; a key missing from messages/keys.py is reported by
`zaadje messages check` before it can crash a conversation. Babel's extractor matches any call
named `render` (a template's `.render(css="")`, a PDF renderer's `self.render("<html>…")`):
only strings shaped like a key (`sms.reminder`) count, and its warnings about such calls are
kept off the check's output.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"render": (1,), "render_detail": (1,)}
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class Usage:
    key: str
    path: str
    line: int


def keys_in_code(root: Path = PROJECT_ROOT, config: Path | None = None) -> list[Usage]:
    config = config or root / "babel.cfg"
    if not config.exists():
        return []
    # Babel leaves parse_mapping_cfg unannotated; these are the types extract_from_dir takes.
    method_map: list[tuple[str, str]]
    options_map: dict[str, dict[str, Any]]
    with config.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(config))  # type: ignore[no-untyped-call]
    method_map = [(pattern, method) for pattern, method in method_map if method != "jinja2"]
    found = []
    # Babel writes "Empty msgid" warnings for render(css="") straight to stderr.
    with contextlib.redirect_stderr(io.StringIO()):
        for path, line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS
        ):
            if isinstance(message, str) and KEY_SHAPE.fullmatch(message):
                found.append(Usage(message, path, line))
    return found
