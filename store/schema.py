"""Every table Zaadje has: the models of each room's module, on one metadata (for Alembic)."""

from __future__ import annotations

from store import (
    desk_models,
    erasure_models,
    experiment_models,
    letter_models,
    telegram_models,
    text_models,
    whatsapp_models,
)
from store.models import Base

metadata = Base.metadata

__all__ = [
    "desk_models",
    "erasure_models",
    "experiment_models",
    "letter_models",
    "metadata",
    "telegram_models",
    "text_models",
    "whatsapp_models",
]
