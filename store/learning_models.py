"""Experiments and retention: variants, assignments, the erasure log."""

from __future__ import annotations

from store.models import Base  # noqa: F401
