"""Token buckets per channel and per workspace, so a fan-out stays under the platforms' limits.

Sends to one channel take turns. A send waits until its channel has a token, then queues for its
workspace (first come, first served) and only then spends both tokens, at the moment it is sent:
a platform counts sends when they arrive, and a token spent earlier would let the next one through
too soon. Workspace tokens are never promised ahead of time: when the event loop stalls (a busy
process, a slow database call), sends that were due during the stall do not all leave together
as they would with reserved slots; at most a burst's worth goes at once, as the platform expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from bot import metrics
from bot.platform import Rate


@dataclass(frozen=True)
class Limits:
    """One platform's limits: per channel (conversation) and per workspace (tenant)."""

    channel: Rate | None
    workspace: Rate | None


# Each registered platform's limits (from PLATFORM.md, stated by its adapter), given by the
# composition root at start-up (`pace`), so the scheduler names no platform.
PLATFORM_LIMITS: dict[str, Limits] = {}
UNLIMITED = Limits(channel=None, workspace=None)


def pace(limits: Mapping[str, Limits]) -> None:
    """Take the registered platforms' limits, for every limiter made without its own."""
    PLATFORM_LIMITS.update(limits)


class Bucket:
    """A token bucket that hands out reservations: how long until your token is due."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._tokens = rate.burst
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(
            self._rate.burst, self._tokens + (now - self._last) * self._rate.per_second
        )
        self._last = now

    def due_in(self) -> float:
        """Seconds until a whole token is there, without taking it."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self._rate.per_second)

    def take(self) -> None:
        """Spend a token now."""
        self._refill()
        self._tokens -= 1.0

    def hold(self, seconds: float) -> None:
        """The platform said slow down: the next token is due in `seconds`, not before."""
        self._refill()
        self._tokens = min(self._tokens, 1.0 - seconds * self._rate.per_second)


class Limiter:
    """Buckets for every channel and workspace of every platform, created on first use."""

    def __init__(
        self,
        limits: dict[str, Limits] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = PLATFORM_LIMITS if limits is None else limits
        self._clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}
        # One queue per channel and one per workspace (the channel "" of its tenant).
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _lock(self, key: tuple[str, str]) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def _bucket(self, rate: Rate | None, key: tuple[str, str]) -> Bucket | None:
        if rate is None:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(rate, self._clock)
        return bucket

    def _pair(self, tenant: str, channel: str) -> tuple[Bucket | None, Bucket | None]:
        limits = self._limits.get(tenant.split(":", 1)[0], UNLIMITED)
        return (
            self._bucket(limits.channel, (tenant, channel)),
            self._bucket(limits.workspace, (tenant, "")),
        )

    @contextlib.asynccontextmanager
    async def turn(self, tenant: str, channel: str) -> AsyncIterator[None]:
        """Wait for a turn to send to `channel`; send inside the block."""
        started = self._clock()
        waited = False
        channel_lock = self._lock((tenant, channel))
        waited |= channel_lock.locked()
        async with channel_lock:
            channel_bucket, workspace_bucket = self._pair(tenant, channel)
            if channel_bucket is not None:
                # Tokens accrue while we sleep, so one sleep of the computed length is enough.
                wait = channel_bucket.due_in()
                if wait > 0:
                    waited = True
                    await asyncio.sleep(wait)
            if workspace_bucket is not None:
                workspace_lock = self._lock((tenant, ""))
                waited |= workspace_lock.locked()
                async with workspace_lock:
                    # Only the head of the workspace's queue sleeps; the rest wait their turn.
                    wait = workspace_bucket.due_in()
                    if wait > 0:
                        waited = True
                        await asyncio.sleep(wait)
                    workspace_bucket.take()
            if channel_bucket is not None:
                channel_bucket.take()
            if waited:
                metrics.rate_limit_wait(metrics.platform_of(tenant), self._clock() - started)
            yield

    def hold(self, tenant: str, channel: str, seconds: float) -> None:
        """Back off a channel after a rate-limit answer."""
        channel_bucket, _ = self._pair(tenant, channel)
        if channel_bucket is not None:
            channel_bucket.hold(seconds)
