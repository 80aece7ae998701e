"""Who may use the desk: the roles and the logged-in user."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("caseworker", "communicator", "coordinator", "admin")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str  # one of ROLES
