"""The municipality's settings: shipped defaults, deep-merged with its own TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from app.errors import UserError

DEFAULTS = Path(__file__).with_name("defaults.toml")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: str | None) -> dict[str, Any]:
    with DEFAULTS.open("rb") as handle:
        config = tomllib.load(handle)
    if not path:
        return config
    try:
        with open(path, "rb") as handle:
            override = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise UserError(f"ZAADJE_CONFIG: file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"ZAADJE_CONFIG: {path}: {exc}") from exc
    unknown = set(override) - set(config) - {"flows"}
    if unknown:
        raise UserError(f"ZAADJE_CONFIG: {path}: unknown section(s): {', '.join(sorted(unknown))}")
    return deep_merge(config, override)
