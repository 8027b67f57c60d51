"""The Slack adapter's own rows: handled Events API deliveries and commands, and the forms
buttons open."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.tables import SlackFormRow
from bot.messages import Form
from bot.ports import Clock
from bot.storage.engine import sessions
from bot.storage.seen import SeenRequestStore
from bot.storage.upsert import upsert

# A signed request is accepted while its timestamp is within 5 minutes of the clock, either side,
# so a copy can arrive up to 10 minutes after the first; a little more covers the clocks' drift.
REPLAY_WINDOW = 11 * 60.0
# Far more commands than any school or hospital sends in that window; past it, the oldest go.
REPLAY_KEYS = 100_000
# A kept form never changes (its digest names its content) and only an uninstall deletes it, so
# a form this process kept lately is not written again: every page of a walkthrough carries the
# same reflection form, for everyone. An uninstall on another replica is seen once this lapses.
FORMS_REMEMBERED = 10 * 60.0
FORMS_IN_MEMORY = 10_000

log = logging.getLogger(__name__)


class RecentKeys:
    """The keys this process saw within the replay window, oldest first."""

    def __init__(
        self,
        window: float = REPLAY_WINDOW,
        limit: int = REPLAY_KEYS,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._limit = limit
        self._now = now
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def first(self, tenant: str, key: str) -> bool:
        """Record a key; False when it was seen within the window."""
        if self.holds(tenant, key):
            return False
        self._seen[(tenant, key)] = self._now()
        return True

    def holds(self, tenant: str, key: str) -> bool:
        """Whether the key was recorded within the window (recording nothing)."""
        now = self._now()
        # Keys are kept in the order they came, so the stale ones are at the front.
        while self._seen and (
            len(self._seen) >= self._limit or next(iter(self._seen.values())) < now - self._window
        ):
            self._seen.popitem(last=False)
        return (tenant, key) in self._seen

    def forget(self, tenant: str) -> None:
        """Drop the tenant's keys."""
        for key in [key for key in self._seen if key[0] == tenant]:
            del self._seen[key]


class SlackRecords:
    """Deduplicating events and commands, and keeping forms by digest, always within one
    tenant."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._sessions = sessions(engine)
        self._clock = clock
        self._seen = SeenRequestStore(self._sessions, clock)
        self._recent = RecentKeys()
        self._kept = RecentKeys(FORMS_REMEMBERED, FORMS_IN_MEMORY)
        # SQLite serves one process (docs/DEPLOY.md), so its memory sees every command; with
        # PostgreSQL several replicas may serve, and only the shared table sees them all.
        self._one_process = engine.dialect.name == "sqlite"

    async def first_delivery(self, tenant: str, event_id: str) -> bool:
        """Record an event id; False when it was seen before (a retry or a duplicate)."""
        return await self._seen.first(tenant, f"slack:{event_id}")

    async def first_command(self, tenant: str, trigger_id: str) -> bool:
        """Record a command's trigger id; False when it was seen before (a replay).

        Only replays within the signature's window can arrive, so memory of that window is
        enough in one process, and it costs nothing: a row written per command would cost more
        than the rest of the command (a committed SQLite write is a disk flush).
        """
        key = f"slack:command:{trigger_id}"
        if not self._recent.first(tenant, key):
            return False
        if self._one_process:
            return True
        try:
            return await self._seen.first(tenant, key)
        except (SQLAlchemyError, OSError) as error:
            # The database is away: the command still deserves its kind answer, which the core
            # gives; this process's memory still stops a replay reaching this replica.
            log.warning(
                "command replays checked in memory only: %s",
                type(error).__name__,
                extra={"platform": "slack", "tenant": tenant},
            )
            return True

    async def keep_forms(self, tenant: str, forms: Mapping[str, Form]) -> None:
        """Keep the forms a message's buttons open (a form already kept is left as it is)."""
        fresh = {d: f for d, f in forms.items() if not self._kept.holds(tenant, d)}
        if not fresh:
            return
        now = self._clock.now()
        rows = [
            {"tenant_id": tenant, "digest": d, "form": f.model_dump_json(), "created_at": now}
            for d, f in fresh.items()
        ]
        async with self._sessions.begin() as session:
            await upsert(session, SlackFormRow, rows, keys=["tenant_id", "digest"], update=[])
        for digest in fresh:  # only once they are stored: a failed write is tried again
            self._kept.first(tenant, digest)

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
        gone = int(result.rowcount) + await self._seen.forget(tenant)
        self._kept.forget(tenant)  # after the delete: a form kept meanwhile is written again
        return gone
