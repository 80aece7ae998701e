"""Rendering the simulator's pages: Jinja2 templates and one local stylesheet, shipped in
this package (no CDN, no JavaScript: the pages work in any browser, offline)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


class Pages:
    """The templates, with filters the composition root supplies (how to mask an address,
    how to show a moment in the municipality's time zone)."""

    def __init__(self, filters: dict[str, Callable[..., Any]]) -> None:
        self.env = Environment(
            loader=PackageLoader("bot.simulator", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,  # a typo in a template fails the test, not silently
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(filters)

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    @staticmethod
    def stylesheet() -> bytes:
        return resources.files("bot.simulator").joinpath("static/simulator.css").read_bytes()
