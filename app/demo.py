"""`python -m app.demo`: load the demo signals into an empty database, then show the cases.

The demo residents are fictional (names such as "Proefhuis" and "Testdeniz", postcodes
9991xx in "Voorbeeldstad", phone numbers 06 1000 00xx).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import func, select

from app.cli import main
from app.database import open_database
from app.settings import load_settings
from store.models import Signal

DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "signals.csv"
DEMO_NOW = "2026-11-20T10:00"  # the demo file's "today": all its signals are in the past


async def _signal_count() -> int:
    async with open_database(load_settings()) as engine, engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Signal))).scalar_one())


def run() -> int:
    import asyncio

    if asyncio.run(_signal_count()) == 0:
        print(f"Loading demo signals from {DEMO_FILE.name} …")
        code = main(["ingest", str(DEMO_FILE), "--now", DEMO_NOW])
        if code != 0:
            return code
    print("\nCases by priority:")
    return main(["cases", "--state", "open"])


if __name__ == "__main__":
    sys.exit(run())
