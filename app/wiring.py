"""Building the scheduler's context from the settings: the one place rooms are wired."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

import messages
from app.channel_sms import sms_channel
from app.channel_telegram import telegram_channel
from app.channel_whatsapp import text_route, whatsapp_channel
from app.errors import UserError
from app.runtime import calendar_for
from app.settings import Settings
from bot.simulated import SimulatedChannel
from casework.channels import Channel
from casework.rules import Capacity, CaseRules, ChatInvite
from flows import Flow, FlowError, load_flow
from flows.experiments import load_experiments
from flows.flow import LETTER
from messages.keys import DOCUMENTS_BY_NAME
from scheduler.context import Context, PassSettings
from scheduler.retention import RetentionError, RetentionPolicy


def case_rules_for(settings: Settings) -> CaseRules:
    try:
        flow = load_flow(settings.config.get("flows"))
    except FlowError as exc:
        raise UserError(f"config [flows]: {exc}") from exc
    try:
        trials = load_experiments(settings.config.get("experiments"), flow)
    except FlowError as exc:
        raise UserError(f"config [experiments]: {exc}") from exc
    _check_letters(flow)
    return CaseRules(
        calendar=calendar_for(settings),
        flow=flow,
        experiments=trials,
        chat=chat_invite(settings),
        route=text_route(settings),
    )


def _check_letters(flow: Flow) -> None:
    """A ladder's letter must be a letter the catalogues have (flows cannot know them)."""
    for ladder in flow.ladders:
        for step in ladder.steps:
            if step.channel != LETTER or step.message is None:
                continue
            document = DOCUMENTS_BY_NAME.get(step.message)
            if document is None or document.kind != "letter":
                known = ", ".join(d.name for d in DOCUMENTS_BY_NAME.values() if d.kind == "letter")
                raise UserError(
                    f"config [flows] ladders.{ladder.name}.steps.{step.id}.message: "
                    f"{step.message!r} is not a letter (one of {known})"
                )


def chat_invite(settings: Settings) -> ChatInvite | None:
    """Residents can be offered the chat once Telegram is configured and the bot has a name."""
    bot_name = str(settings.config.get("telegram", {}).get("bot_name", "")).strip()
    if not (settings.telegram_bot_token and settings.telegram_webhook_secret and bot_name):
        return None
    return ChatInvite(secret_key=settings.secret_key, bot_name=bot_name)


def _latency(settings: Settings) -> float:
    # [simulated] latency_seconds rehearses a slow provider (tests catch a batch in flight).
    return float(settings.config.get("simulated", {}).get("latency_seconds", 0.0))


def channels_for(settings: Settings, engine: AsyncEngine) -> dict[str, Channel]:
    # Without a provider's credentials the simulated channel records what would be sent.
    return {
        "sms": sms_channel(settings, engine) or SimulatedChannel(engine, "sms", _latency(settings)),
        "whatsapp": whatsapp_channel(settings, engine) or SimulatedChannel(engine, "whatsapp"),
        "telegram": telegram_channel(settings, engine) or SimulatedChannel(engine, "telegram"),
    }


def context_for(settings: Settings, engine: AsyncEngine, with_channels: bool = True) -> Context:
    """The passes' context; `with_channels=False` for a pass that sends nothing (the purge),
    so no provider client is built and the provider settings are not looked at."""
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
        rules=case_rules_for(settings),
        channels=channels_for(settings, engine) if with_channels else {},
        values={
            "gemeente": config["gemeente"]["naam"],
            "telefoon": config["gemeente"]["telefoon"],
        },
        capacity=Capacity(
            messages_per_day=int(capacity["messages_per_day"]),
            phone_calls_per_day=int(capacity["phone_calls_per_day"]),
            home_visits_per_day=int(capacity["home_visits_per_day"]),
            letters_per_day=int(capacity["letters_per_day"]),
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
        retention=retention_for(config),
    )


def retention_for(config: dict[str, Any]) -> RetentionPolicy:
    try:
        return RetentionPolicy.from_config(config["retention"])
    except RetentionError as exc:
        raise UserError(f"config [retention]: {exc}") from exc


def intervals_for(settings: Settings) -> dict[str, float]:
    sched = settings.config["scheduler"]
    return {
        name: float(sched[f"{name}_interval"])
        for name in ("dispatch", "timeouts", "news", "inbound", "plan", "purge")
    }


def inhabitants_of(settings: Settings) -> int | None:
    value = settings.config.get("gemeente", {}).get("inwoners", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError(f"config [gemeente] inwoners: not a whole number ≥ 0: {value!r}")
    return value or None
