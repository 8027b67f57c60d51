"""Calendar feeds: an address with a secret in it that a calendar app subscribes to, showing a
rollout's circles; one per rollout, and stopped by the facilitator whenever they choose.

Only a digest of the secret is stored, so the address is shown once, when it is made.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.console.access import digest
from bot.storage.console_tables import ConsoleFeedRow


class CalendarFeedStore:
    """Feeds of one tenant's rollouts."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def start(self, tenant: str, rollout_id: str, now: datetime) -> str:
        """A new feed secret for the rollout; any older address stops working."""
        token = secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            await session.execute(_of(tenant, rollout_id))
            session.add(
                ConsoleFeedRow(
                    digest=digest(token), tenant_id=tenant, rollout_id=rollout_id, created_at=now
                )
            )
        return token

    async def stop(self, tenant: str, rollout_id: str) -> None:
        """The rollout's feed address stops working."""
        async with self._sessions.begin() as session:
            await session.execute(_of(tenant, rollout_id))

    async def running(self, tenant: str, rollout_ids: list[str]) -> set[str]:
        """Which of the tenant's rollouts have a feed."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(ConsoleFeedRow.rollout_id).where(
                    ConsoleFeedRow.tenant_id == tenant, ConsoleFeedRow.rollout_id.in_(rollout_ids)
                )
            )
            return set(found.all())

    async def rollout_of(self, token: str) -> tuple[str, str] | None:
        """The tenant and rollout a feed secret shows, or None."""
        async with self._sessions() as session:
            row = await session.get(ConsoleFeedRow, digest(token))
            return (row.tenant_id, row.rollout_id) if row else None


def _of(tenant: str, rollout_id: str) -> Any:
    return delete(ConsoleFeedRow).where(
        ConsoleFeedRow.tenant_id == tenant, ConsoleFeedRow.rollout_id == rollout_id
    )
