"""Errors a user can cause; the CLI prints them as one line and exits with their code."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage or unreadable input: one clear line on stderr, exit code 2."""

    exit_code = 2


class CheckFailed(UserError):
    """A check ran and found problems: exit code 1."""

    exit_code = 1
