"""`zaadje db check` as the intake tests run it after every scenario."""

from __future__ import annotations

from store.integrity import Dangling, dangling_references
from tests.conftest import on_db


def dangling(url: str) -> list[Dangling]:
    return on_db(url, dangling_references)
