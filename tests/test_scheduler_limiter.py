"""The limiter: per-channel and per-workspace buckets that never let a stall become a burst."""

from __future__ import annotations

import asyncio
import itertools
import time

from scheduler.limiter import Limiter, Limits, Rate

TENANT = "x:T1"


def most_within(stamps: list[float], window: float) -> int:
    """The largest number of sends inside any window of `window` seconds."""
    ordered = sorted(stamps)
    return max(
        sum(1 for later in ordered[i:] if later - first < window) for i, first in enumerate(ordered)
    )


async def test_sends_after_a_stalled_loop_leave_no_faster_than_the_burst() -> None:
    limiter = Limiter({"x": Limits(channel=None, workspace=Rate(40.0, 2.0))})
    stamps: list[float] = []
    under_way = asyncio.Event()

    async def send(channel: str) -> None:
        async with limiter.turn(TENANT, channel):
            stamps.append(time.monotonic())
            if len(stamps) == 4:
                under_way.set()

    sends = [asyncio.ensure_future(send(f"C{n}")) for n in range(14)]
    await under_way.wait()
    # A busy process: nothing runs for a while, and every waiting send is overdue after it.
    time.sleep(0.3)  # noqa: ASYNC251 (the stall is the point)
    stalled_until = time.monotonic()
    await asyncio.gather(*sends)
    after = [stamp for stamp in stamps if stamp >= stalled_until]
    assert len(after) >= 8
    assert most_within(after, 0.005) <= 2
    # Overall the workspace rate holds: 14 sends at 40/s with a burst of 2 take 0.3 s at least.
    assert stamps[-1] - stamps[0] >= (14 - 2) / 40.0 - 0.01


async def test_one_channel_takes_turns_at_its_own_rate_and_a_hold_pauses_it() -> None:
    limiter = Limiter({"x": Limits(channel=Rate(20.0, 1.0), workspace=None)})
    stamps: list[float] = []

    async def send() -> None:
        async with limiter.turn(TENANT, "C1"):
            stamps.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(4)))
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.05 - 0.005 for gap in gaps)
    limiter.hold(TENANT, "C1", 0.2)
    held = time.monotonic()
    await send()
    assert stamps[-1] - held >= 0.2 - 0.005
