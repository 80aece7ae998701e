"""Building the scheduler's context from the settings: the one place rooms are wired."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

import messages
from app.channel_sms import sms_channel
from app.channel_telegram import telegram_channel
from app.errors import UserError
from app.runtime import calendar_for
from app.settings import Settings
from bot.channel import Channel
from bot.simulated import SimulatedChannel
from casework.apply import Casework
from flows import FlowError, load_flow
from scheduler.context import Capacity, Context, PassSettings


def casework_for(settings: Settings) -> Casework:
    try:
        flow = load_flow(settings.config.get("flows"))
    except FlowError as exc:
        raise UserError(f"config [flows]: {exc}") from exc
    return Casework(calendar=calendar_for(settings), flow=flow)


def channels_for(settings: Settings, engine: AsyncEngine) -> dict[str, Channel]:
    # Without a provider's credentials the simulated channel records what would be sent.
    return {
        "sms": sms_channel(settings, engine) or SimulatedChannel(engine, "sms"),
        "telegram": telegram_channel(settings, engine) or SimulatedChannel(engine, "telegram"),
    }


def context_for(settings: Settings, engine: AsyncEngine) -> Context:
    config: dict[str, Any] = settings.config
    texts = config["messages"]
    messages.configure(
        fallbacks=texts.get("fallback_locales", []),
        override_dir=texts.get("override_dir") or "",
    )
    sched = config["scheduler"]
    capacity = config["capacity"]
    return Context(
        engine=engine,
        work=casework_for(settings),
        channels=channels_for(settings, engine),
        values={
            "gemeente": config["gemeente"]["naam"],
            "telefoon": config["gemeente"]["telefoon"],
        },
        capacity=Capacity(
            messages_per_day=int(capacity["messages_per_day"]),
            phone_calls_per_day=int(capacity["phone_calls_per_day"]),
            home_visits_per_day=int(capacity["home_visits_per_day"]),
        ),
        settings=PassSettings(
            batch_size=int(sched["batch_size"]),
            lease_seconds=float(sched["lease_seconds"]),
            max_attempts=int(sched["max_attempts"]),
            backoff_seconds=float(sched["backoff_seconds"]),
            waiting_per_day=int(config["priority"]["waiting_per_day"]),
        ),
        rate_per_second={k: float(v) for k, v in config["rate_limit"].items()},
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
    )


def intervals_for(settings: Settings) -> dict[str, float]:
    sched = settings.config["scheduler"]
    return {
        name: float(sched[f"{name}_interval"])
        for name in ("dispatch", "timeouts", "news", "inbound", "plan", "purge")
    }
