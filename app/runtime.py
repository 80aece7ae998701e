"""Wiring shared by the commands: settings, calendar, database engine, the `--now` clock."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import UserError
from app.settings import Settings, load_settings
from clock import Calendar, ContactHours
from store.engine import UnsupportedDatabase, make_engine


def settings_for(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "db", None))


def calendar_for(settings: Settings) -> Calendar:
    hours: dict[str, Any] = settings.config["contact_hours"]
    try:
        contact = ContactHours(
            start=time.fromisoformat(hours["start"]),
            end=time.fromisoformat(hours["end"]),
            weekdays=frozenset(int(d) for d in hours["weekdays"]),
            respect_holidays=bool(hours.get("respect_holidays", True)),
        )
    except (ValueError, TypeError) as exc:
        raise UserError(f"config [contact_hours]: {exc}") from exc
    return Calendar(timezone=settings.timezone, contact=contact)


def engine_for(settings: Settings, **kwargs: Any) -> AsyncEngine:
    try:
        return make_engine(settings.database_url, **kwargs)
    except UnsupportedDatabase as exc:
        raise UserError(str(exc)) from exc


def parse_now(value: str | None, calendar: Calendar) -> datetime:
    """`--now`: ISO-8601; a time without an offset is read in ZAADJE_TIMEZONE."""
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UserError(f"--now: not an ISO-8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    return moment


def add_now_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", help="the moment to act at (ISO-8601); default: the real clock")


def parse_day(value: str | None, today: date, option: str = "--date") -> date:
    """A day given on the command line (YYYY-MM-DD), or `today`."""
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UserError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from exc


def login_name(value: str | None) -> str:
    """Who acts, for the record: as given, else the logged-in user."""
    if value:
        return value
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "cli"
