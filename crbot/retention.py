"""Deleting raw check-in answers once they are older than the retention period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.core import Core

log = logging.getLogger(__name__)

# Once a day is plenty: retention is counted in days.
SWEEP_EVERY = timedelta(hours=24)


async def sweep(core: Core, days: int) -> int:
    """Delete raw answers older than `days`; counts stay. Returns how many went."""
    deleted = await core.polls.purge_before(core.clock.now() - timedelta(days=days))
    log.info("retention sweep deleted %d raw answers", deleted)
    return deleted


async def run_daily(core: Core, days: int, stop: asyncio.Event) -> None:
    """Sweep at start and then daily until `stop` is set; a failed sweep is retried next time."""
    while not stop.is_set():
        try:
            await sweep(core, days)
        except Exception:
            log.exception("retention sweep failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_EVERY.total_seconds())
