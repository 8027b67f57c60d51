"""Keeping under Teams' send limits before Teams has to say 429.

Per bot per conversation: 7 sends a second and 60 in 30 seconds; per app per tenant: design for 30
a second (PLATFORM.md, from Microsoft's rate-limit page). A send waits for the first instant at
which every window it counts against has room.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Awaitable, Callable

from bot import metrics

Sleep = Callable[[float], Awaitable[None]]

# (sends, seconds) windows.
PER_CONVERSATION = ((7, 1.0), (60, 30.0))
PER_TENANT = ((30, 1.0),)
# Past this many windows, idle ones are dropped, so memory stays flat over months.
MAX_WINDOWS = 10_000


class Throttle:
    """Sliding windows per key. A send reserves its place (now, or the first instant with room)
    before it waits, so sends to other conversations are never held up behind it."""

    def __init__(
        self, sleep: Sleep = asyncio.sleep, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._sleep = sleep
        self._now = now
        # Send instants (past, or reserved in the near future) per key and window, sorted.
        self._sent: dict[tuple[str, float], list[float]] = {}

    async def wait(self, tenant: str, conversation: str) -> None:
        """Wait for room in the conversation's and the tenant's windows, and take it."""
        limits = [(f"c:{tenant}:{conversation}", n, s) for n, s in PER_CONVERSATION]
        limits += [(f"t:{tenant}", n, s) for n, s in PER_TENANT]
        delay = self._reserve(limits)
        if delay > 0:
            metrics.rate_limit_wait("teams", delay)
            await self._sleep(delay)

    def _reserve(self, limits: list[tuple[str, int, float]]) -> float:
        # Synchronous, so no other send can interleave between looking and reserving.
        now = self._now()
        delay = 0.0
        for key, count, seconds in limits:
            sent = self._sent.get((key, seconds), [])
            expired = bisect.bisect_right(sent, now - seconds)
            del sent[:expired]
            if len(sent) >= count:
                delay = max(delay, sent[-count] + seconds - now)
        if len(self._sent) > MAX_WINDOWS:
            horizon = now - max(s for _, s in PER_CONVERSATION + PER_TENANT)
            for idle in [k for k, sent in self._sent.items() if not sent or sent[-1] <= horizon]:
                del self._sent[idle]
        for key, _, seconds in limits:
            bisect.insort(self._sent.setdefault((key, seconds), []), now + delay)
        return delay
