"""The resident simulator: what each demo resident received through the simulated channel,
and a way to answer as them (the HTTP routes are wired in `app/web_simulator.py`)."""

from bot.simulator.pages import Pages
from bot.simulator.queries import Line, Resident, TaskLine, reply_address, resident, residents

__all__ = ["Line", "Pages", "Resident", "TaskLine", "reply_address", "resident", "residents"]
