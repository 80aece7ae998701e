"""Settings from the environment (or `.env`), per CONTRACT §2."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from app.config import load_config
from app.errors import UserError

SECRET_FILE = Path(".secret_key")


@dataclass
class Settings:
    database_url: str = "sqlite:///./zaadje.db"
    timezone: str = "Europe/Amsterdam"
    config_path: str | None = None
    public_base_url: str = "http://127.0.0.1:8080"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base: str | None = None
    secret_key_value: str | None = field(default=None, repr=False)

    @cached_property
    def config(self) -> dict[str, Any]:
        return load_config(self.config_path)

    @property
    def secret_key(self) -> str:
        """ZAADJE_SECRET_KEY, or one generated on first use and kept in `.secret_key`."""
        if self.secret_key_value:
            return self.secret_key_value
        if SECRET_FILE.exists():
            return SECRET_FILE.read_text().strip()
        key = secrets.token_urlsafe(32)
        SECRET_FILE.write_text(key)
        SECRET_FILE.chmod(0o600)
        return key


def load_settings(database_url: str | None = None) -> Settings:
    load_dotenv(Path.cwd() / ".env", override=False)
    env = os.environ.get
    timezone = env("ZAADJE_TIMEZONE") or "Europe/Amsterdam"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserError(f"ZAADJE_TIMEZONE: unknown time zone {timezone!r}") from exc
    return Settings(
        database_url=database_url or env("DATABASE_URL") or "sqlite:///./zaadje.db",
        timezone=timezone,
        config_path=env("ZAADJE_CONFIG") or None,
        public_base_url=(env("PUBLIC_BASE_URL") or "http://127.0.0.1:8080").rstrip("/"),
        twilio_account_sid=env("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env("TWILIO_AUTH_TOKEN") or None,
        twilio_from=env("TWILIO_FROM") or None,
        twilio_messaging_service_sid=env("TWILIO_MESSAGING_SERVICE_SID") or None,
        twilio_api_base=env("TWILIO_API_BASE") or None,
        telegram_bot_token=env("TELEGRAM_BOT_TOKEN") or None,
        telegram_webhook_secret=env("TELEGRAM_WEBHOOK_SECRET") or None,
        telegram_api_base=env("TELEGRAM_API_BASE") or None,
        secret_key_value=env("ZAADJE_SECRET_KEY") or None,
    )
