"""Rollouts whose posts fall due when a test or a benchmark wants them, on the real clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Target
from bot.rollouts.plan import Circle, parse_local
from bot.storage.ledger_tables import DeliveryRow

# Kinds that make exactly one post in the rollout's own channel (surveys post one poll per
# question; nudges and leader notes go privately to people these rollouts do not have).
ONE_POST_KINDS = ("intro", "practice", "prompt", "visual")
# A circle far enough ahead that nothing it plans is due until moved.
CIRCLE = "2030-03-19T09:00"


async def posts_due(
    core: Core,
    engine: AsyncEngine,
    places: Iterable[Target],
    count: int,
    first: datetime,
    every: timedelta,
) -> list[int]:
    """A rollout at each place, and `count` of their posts (taken in turn across the places)
    moved to fall due from `first`, one each `every`; returns those posts' ledger row ids."""
    for place in places:
        await core.services.rollouts.create(
            tenant=place.tenant,
            address=place.address,
            timezone="Europe/London",
            circles=[Circle(1, parse_local(CIRCLE))],
            pack=core.services.packs[core.services.options.default_pack].pack,
        )
    async with engine.begin() as connection:
        rows = await connection.execute(
            select(DeliveryRow.id)
            .where(DeliveryRow.kind.in_(ONE_POST_KINDS))
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
            .limit(count)
        )
        chosen = [row.id for row in rows]
        if len(chosen) < count:
            raise ValueError(f"only {len(chosen)} posts planned; add places for {count}")
        for number, row_id in enumerate(chosen):
            await connection.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row_id)
                .values(due_at=first + number * every)
            )
    return chosen
