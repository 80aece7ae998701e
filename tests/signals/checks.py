"""`zaadje db check` as the intake tests run it after every scenario."""

from __future__ import annotations

from signals.integrity import Dangling, dangling_references
from store.engine import make_engine
from tests.conftest import run_sync


def dangling(url: str) -> list[Dangling]:
    async def go() -> list[Dangling]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await dangling_references(conn)
        finally:
            await engine.dispose()

    return run_sync(go)
