"""Deliveries a platform may send twice: Slack retries an event it thinks was lost, and the Bot
Framework resends an activity that timed out. Each key is recorded on first sight, so the second
copy is recognised and answered without doing the work again.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.ports import Clock
from bot.storage.tables import SeenRequestRow
from bot.storage.upsert import upsert

# Slack retries for about 5 minutes and the Bot Framework for less; a day is ample.
MEMORY = timedelta(days=1)
# Forgetting old keys now and then is enough to keep the table small.
PRUNE_EVERY = 500


class SeenRequestStore:
    """The keys of deliveries already handled, always within one tenant."""

    def __init__(self, sessions: async_sessionmaker[Any], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._inserts = itertools.count(1)

    async def first(self, tenant: str, key: str) -> bool:
        """Record a delivery's key; False when it was seen before (a retry or a duplicate)."""
        now = self._clock.now()
        row = {"request_key": key, "tenant_id": tenant, "received_at": now}
        async with self._sessions.begin() as session:
            added = await upsert(session, SeenRequestRow, row, keys=["request_key"], update=[])
            if next(self._inserts) % PRUNE_EVERY == 0:
                cutoff = now - MEMORY
                await session.execute(
                    delete(SeenRequestRow).where(SeenRequestRow.received_at < cutoff)
                )
        return added > 0

    async def forget(self, tenant: str) -> int:
        """Delete a tenant's keys (when it uninstalls); returns how many went."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SeenRequestRow).where(SeenRequestRow.tenant_id == tenant)
            )
        return int(result.rowcount or 0)
