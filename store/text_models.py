"""Communicators' text changes: drafts, approvals, history."""

from __future__ import annotations

from store.models import Base  # noqa: F401
