"""A token bucket per channel: at most `rate` messages per second, on the real clock."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    def __init__(self, rate: float) -> None:
        self.rate = rate  # 0 or less: no limit
        self.tokens = max(rate, 1.0)
        self.updated = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    async def reserve(self, wanted: int) -> int:
        """Wait until at least one message may go, then grant up to `wanted` at once.

        The dispatcher claims only what it was granted, so no claimed message waits on the
        limiter (its lease would run out while it sits there) and no burst exceeds the rate.
        """
        if self.rate <= 0:
            return wanted
        self._refill()
        while self.tokens < 1:
            await asyncio.sleep((1 - self.tokens) / self.rate)
            self._refill()
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted

    def refund(self, unused: int) -> None:
        if self.rate > 0 and unused > 0:
            self.tokens = min(max(self.rate, 1.0), self.tokens + unused)
