"""Deleting what the bot holds about people once it is older than the retention period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.services import Services

log = logging.getLogger(__name__)

# Once a day is plenty: retention is counted in days.
SWEEP_EVERY = timedelta(hours=24)


async def sweep(services: Services, days: int) -> int:
    """Delete what each personal-data store keeps no longer than `days`; released figures stay."""
    cutoff = services.clock.now() - timedelta(days=days)
    deleted = 0
    for store in services.personal:
        deleted += await store.expire(cutoff)
    log.info("retention sweep deleted %d rows", deleted)
    return deleted


async def run_daily(services: Services, days: int, stop: asyncio.Event) -> None:
    """Sweep at start and then daily until `stop` is set; a failed sweep is retried next time."""
    while not stop.is_set():
        try:
            await sweep(services, days)
        except Exception:
            log.exception("retention sweep failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_EVERY.total_seconds())
