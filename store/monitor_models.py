"""The monitor's kept figures."""

from __future__ import annotations

from store.models import Base  # noqa: F401
