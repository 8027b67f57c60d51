"""The Slack adapter's own rows: handled Events API deliveries, and the forms buttons open."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.messages import Form
from bot.ports import Clock
from bot.storage.engine import sessions
from bot.storage.tables import SlackEventRow, SlackFormRow

# Slack retries an event for about 5 minutes (immediately, +1 min, +5 min); a day is ample.
EVENT_MEMORY = timedelta(days=1)
PRUNE_EVERY = 500


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class SlackRecords:
    """Deduplicating events by id, and keeping forms by digest, always within one tenant."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._sessions = sessions(engine)
        self._clock = clock
        self._inserts = itertools.count(1)

    async def first_delivery(self, tenant: str, event_id: str) -> bool:
        """Record an event id; False when it was seen before (a retry or a duplicate)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            statement = (
                _insert(session, SlackEventRow)
                .values(event_id=event_id, tenant_id=tenant, received_at=now)
                .on_conflict_do_nothing(index_elements=["event_id"])
            )
            result = await session.execute(statement)
            if next(self._inserts) % PRUNE_EVERY == 0:
                cutoff = now - EVENT_MEMORY
                await session.execute(
                    delete(SlackEventRow).where(SlackEventRow.received_at < cutoff)
                )
        return bool(result.rowcount)

    async def keep_forms(self, tenant: str, forms: Mapping[str, Form]) -> None:
        """Keep the forms a message's buttons open (a form already kept is left as it is)."""
        if not forms:
            return
        now = self._clock.now()
        rows = [
            {"tenant_id": tenant, "digest": d, "form": f.model_dump_json(), "created_at": now}
            for d, f in forms.items()
        ]
        async with self._sessions.begin() as session:
            statement = (
                _insert(session, SlackFormRow)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["tenant_id", "digest"])
            )
            await session.execute(statement)

    async def form(self, tenant: str, digest: str) -> Form | None:
        """A kept form, or None."""
        async with self._sessions() as session:
            stored = await session.scalar(
                select(SlackFormRow.form).where(
                    SlackFormRow.tenant_id == tenant, SlackFormRow.digest == digest
                )
            )
        return Form.model_validate_json(stored) if stored is not None else None

    async def forget_workspace(self, tenant: str) -> int:
        """Delete the tenant's rows (on uninstall); returns how many went."""
        gone = 0
        async with self._sessions.begin() as session:
            for table in (SlackEventRow, SlackFormRow):
                result = await session.execute(delete(table).where(table.tenant_id == tenant))
                gone += int(result.rowcount)
        return gone
