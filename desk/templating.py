"""Jinja2 for the desk: one environment, templates of every part, autoescaped HTML."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from desk import labels

DESK_DIR = Path(__file__).parent
PARTS = ("texts", "monitor")


@functools.cache
def environment() -> Environment:
    # "base.html" and the core's pages live in desk/templates; a part's "texts/x.html" is
    # looked for in desk/texts/templates/, then desk/templates/texts/, then desk/texts/.
    loader = ChoiceLoader(
        [
            PrefixLoader({part: FileSystemLoader(DESK_DIR / part / "templates") for part in PARTS}),
            FileSystemLoader(DESK_DIR / "templates"),
            FileSystemLoader(DESK_DIR),
        ]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The request's own gettext functions are passed in each render's context (they win
    # over these); {% trans %} blocks need something installed to compile against.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    # Internal words (stages, statuses, kinds, channels) as words people read: desk/labels.py.
    env.globals.update(label=labels.label_global, language_name=labels.language_global)
    return env
