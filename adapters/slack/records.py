"""The Slack adapter's own rows: handled Events API deliveries, and the forms buttons open."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Form
from bot.ports import Clock
from bot.storage.engine import sessions
from bot.storage.seen import SeenRequests
from bot.storage.tables import SlackFormRow
from bot.storage.upsert import upsert


class SlackRecords:
    """Deduplicating events by id, and keeping forms by digest, always within one tenant."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._sessions = sessions(engine)
        self._clock = clock
        self._seen = SeenRequests(self._sessions, clock)

    async def first_delivery(self, tenant: str, event_id: str) -> bool:
        """Record an event id; False when it was seen before (a retry or a duplicate)."""
        return await self._seen.first(tenant, f"slack:{event_id}")

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
            await upsert(session, SlackFormRow, rows, keys=["tenant_id", "digest"], update=[])

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
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SlackFormRow).where(SlackFormRow.tenant_id == tenant)
            )
        return int(result.rowcount) + await self._seen.forget(tenant)
