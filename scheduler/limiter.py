"""Token buckets per channel and per workspace, so a fan-out stays under the platforms' limits.

Sends to one channel take turns. A send waits until its channel has a token, then reserves its
workspace's next slot (first come, first served, so thousands of waiting sends stay cheap) and
only then spends the channel token, at the moment it is sent: a platform counts sends when they
arrive, and a token spent earlier would let the next one through too soon.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """A sustained rate per second with a burst allowance."""

    per_second: float
    burst: float


@dataclass(frozen=True)
class Limits:
    """One platform's limits: per channel (conversation) and per workspace (tenant)."""

    channel: Rate | None
    workspace: Rate | None


# From PLATFORM.md. chat.postMessage: about one message per second per channel with short
# bursts, plus an unpublished workspace-wide limit (we stay well under it). Bot Framework: per
# conversation 7 per second and 60 per 30 seconds (2/s sustained); per tenant 30 RPS in the
# stricter revision of the docs. Bursts are kept below what the platforms allow: requests leave
# on time but may arrive bunched (new connections, retransmits).
PLATFORM_LIMITS: dict[str, Limits] = {
    "slack": Limits(channel=Rate(1.0, 2.0), workspace=Rate(50.0, 10.0)),
    "teams": Limits(channel=Rate(2.0, 7.0), workspace=Rate(30.0, 30.0)),
}
UNLIMITED = Limits(channel=None, workspace=None)


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

    def reserve(self) -> float:
        """Take a token, possibly from the future; returns the seconds to wait for it."""
        self.take()
        return max(0.0, -self._tokens / self._rate.per_second)

    def hold(self, seconds: float) -> None:
        """The platform said slow down: nothing more for `seconds`."""
        self._tokens = min(self._tokens, -seconds * self._rate.per_second)


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
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

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
        lock = self._locks.get((tenant, channel))
        if lock is None:
            lock = self._locks[(tenant, channel)] = asyncio.Lock()
        async with lock:
            channel_bucket, workspace_bucket = self._pair(tenant, channel)
            if channel_bucket is not None:
                # Tokens accrue while we sleep, so one sleep of the computed length is enough.
                await asyncio.sleep(channel_bucket.due_in())
            if workspace_bucket is not None:
                wait = workspace_bucket.reserve()
                if wait > 0:
                    await asyncio.sleep(wait)
            if channel_bucket is not None:
                channel_bucket.take()
            yield

    def hold(self, tenant: str, channel: str, seconds: float) -> None:
        """Back off a channel after a rate-limit answer."""
        channel_bucket, _ = self._pair(tenant, channel)
        if channel_bucket is not None:
            channel_bucket.hold(seconds)
