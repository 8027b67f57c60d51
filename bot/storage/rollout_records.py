"""Rollouts as the code sees them, built from stored rows: the record, its circles and calendar."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, zone_of
from bot.storage.ledger_tables import CircleRow, RolloutRow


@dataclass(frozen=True)
class RolloutRecord:
    """A rollout as stored: where, in which zone, its calendar and circles."""

    id: str
    tenant_id: str
    address: str
    timezone: str
    status: str
    calendar: CohortCalendar
    circles: tuple[Circle, ...]
    created_by: str | None
    paused_reason: str | None

    @property
    def platform(self) -> str:
        """The platform that owns the tenant (`slack:T1` → `slack`)."""
        return self.tenant_id.split(":", 1)[0]


def utc(value: datetime) -> datetime:
    """A stored instant as aware UTC (SQLite hands back naive UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def instant(value: datetime | str) -> datetime:
    """A stored instant as aware UTC; SQLite hands an aggregate's or subquery's back as text."""
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


async def load(session: AsyncSession, query: Any) -> list[RolloutRecord]:
    """The rollouts a query selects with their circles, in two queries, in the query's order."""
    # Plain rows rather than ORM objects: the scheduler loads thousands at once.
    rows = (await session.execute(query)).all()
    circle_table = CircleRow.__table__
    by_rollout: dict[str, list[Any]] = {}
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 500):
        circles = await session.execute(
            select(circle_table)
            .where(circle_table.c.rollout_id.in_(ids[start : start + 500]))
            .order_by(circle_table.c.starts_at)
        )
        for circle in circles.all():
            by_rollout.setdefault(circle.rollout_id, []).append(circle)
    return [build(row, by_rollout.get(row.id, [])) for row in rows]


async def load_one(session: AsyncSession, row: RolloutRow) -> RolloutRecord:
    circles = (
        await session.scalars(
            select(CircleRow).where(CircleRow.rollout_id == row.id).order_by(CircleRow.starts_at)
        )
    ).all()
    return build(row, list(circles))


def build(row: RolloutRow | Any, circles: Sequence[CircleRow | Any]) -> RolloutRecord:
    """A record from stored rows: ORM objects, or plain rows with the same columns."""
    zone = zone_of(row.timezone)
    return RolloutRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        address=row.address,
        timezone=row.timezone,
        status=row.status,
        calendar=calendar_of(row.calendar),
        circles=tuple(
            Circle(
                section=circle.section,
                local=utc(circle.starts_at).astimezone(zone).replace(tzinfo=None),
                skipped=circle.skipped,
            )
            for circle in circles
        ),
        created_by=row.created_by,
        paused_reason=row.paused_reason,
    )


@functools.lru_cache(maxsize=1024)
def calendar_of(stored: str) -> CohortCalendar:
    # Most cohorts share the default calendar: parse each stored form once (it is frozen).
    return CohortCalendar.model_validate_json(stored)
