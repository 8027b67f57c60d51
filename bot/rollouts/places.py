"""Which rollout serves a place, and its prompt row of the day: asked by every `prompt`, changed
rarely, so remembered for a few seconds.

This process's own changes to any rollout (`RolloutStore.watch`) forget everything at once; a
change made elsewhere (`crbot rollout`, another replica) is seen within `CACHE_SECONDS`, as the
team's settings and roles are. A prompt row sent meanwhile answers as it did while planned:
both show the prompt the row records.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from cachetools import TTLCache

from bot.rollouts.rotation import DayRow, PromptHistoryStore
from bot.storage.rollouts import RolloutRecord, RolloutStore
from bot.storage.team_settings import CACHE_ENTRIES, CACHE_SECONDS

V = TypeVar("V")


class RolloutPlaces:
    """The rollout each place is on, read through a short memory."""

    def __init__(
        self,
        store: RolloutStore,
        cache_seconds: float = CACHE_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._history = PromptHistoryStore(store.sessions)
        self._serving: TTLCache[tuple[str, str], RolloutRecord | None] = TTLCache(
            CACHE_ENTRIES, cache_seconds, timer
        )
        self._days: TTLCache[tuple[str, date], DayRow | None] = TTLCache(
            CACHE_ENTRIES, cache_seconds, timer
        )
        store.watch(self._changed)

    async def serving(self, tenant: str, address: str) -> RolloutRecord | None:
        """The place's running rollout; in a direct message, the team's programme when it has
        just the one."""
        return await _remembered(self._serving, (tenant, address), self._serving_now)

    async def today(self, rollout_id: str, day: date) -> DayRow | None:
        """The rollout's prompt row on a local day, if it has one."""
        return await _remembered(self._days, (rollout_id, day), self._history.today)

    async def _serving_now(self, tenant: str, address: str) -> RolloutRecord | None:
        found = await self._store.for_place(tenant, address)
        if found is not None:
            return found
        lone = await self._history.lone_rollout(tenant)
        return await self._store.get(tenant, lone) if lone else None

    def _changed(self, _earliest: datetime | None) -> None:
        # Which rollout changed is not said, and changes are rare: forget them all.
        self._serving.clear()
        self._days.clear()


async def _remembered(
    cache: TTLCache[tuple[str, Any], V], key: tuple[str, Any], read: Callable[..., Awaitable[V]]
) -> V:
    """The cached value for `key`, else `read(*key)`, kept (None included: no rollout is an
    answer too)."""
    try:
        return cache[key]
    except KeyError:
        pass
    value = await read(*key)
    cache[key] = value
    return value
