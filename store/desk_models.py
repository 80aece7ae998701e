"""The desk: users, sessions, the audit log."""

from __future__ import annotations

from store.models import Base  # noqa: F401
