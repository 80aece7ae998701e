"""Telegram: link codes, guesses and stored updates."""

from __future__ import annotations

from store.models import Base  # noqa: F401
