"""One aiogram Router per feature, built fresh for each Dispatcher (a router can belong to one
only). Order matters: membership, commands and buttons first, then codes, then free text."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.routers import buttons, chat, commands, linking, membership


def all_routers() -> list[Router]:
    return [
        membership.router(),
        commands.router(),
        buttons.router(),
        linking.router(),
        chat.router(),
    ]
