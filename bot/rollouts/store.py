"""Rollouts, their circles and checklists, and planting their posts in the delivery ledger."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, PlannedPost, to_utc, zone_of
from bot.storage.tables import AgreementRow, ChecklistRow, CircleRow, DeliveryRow, RolloutRow
from bot.storage.upsert import upsert

# Statuses in which the scheduler posts for a rollout.
LIVE = ("active",)
# Ledger rows made while sending rather than planned from the circles: a re-plan keeps them.
SPAWNED_KINDS = ("follow-up", "leader-dm", "reminder-dms")


@dataclass(frozen=True)
class Spawned:
    """A ledger row made while sending: a leader's own note, a poll's reminders, a follow-up."""

    key: str
    kind: str
    section: int
    local_date: date
    due_at: datetime
    body: dict[str, str]


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


class RolloutStore:
    """Rollouts within one tenant; the ledger rows they plan."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> async_sessionmaker[Any]:
        """The database the rollouts and their ledger rows live in."""
        return self._sessions

    async def create(
        self,
        *,
        tenant: str,
        address: str,
        timezone: str,
        calendar: CohortCalendar,
        circles: list[Circle],
        created_by: str | None,
        posts: list[PlannedPost],
        now: datetime,
    ) -> str:
        """Store a validated rollout and its posts in one transaction; returns its id."""
        rollout_id = uuid.uuid4().hex[:12]
        zone = zone_of(timezone)
        async with self._sessions.begin() as session:
            session.add(
                RolloutRow(
                    id=rollout_id,
                    tenant_id=tenant,
                    address=address,
                    timezone=timezone,
                    status="active",
                    calendar=calendar.model_dump_json(),
                    created_by=created_by,
                    created_at=now,
                )
            )
            await session.flush()
            for circle in circles:
                session.add(_circle_row(tenant, rollout_id, circle, zone))
            await session.flush()
            await self._plant(session, tenant, rollout_id, address, posts)
        return rollout_id

    async def get(self, tenant: str, rollout_id: str) -> RolloutRecord | None:
        """One rollout of the tenant."""
        async with self._sessions() as session:
            row = await session.get(RolloutRow, rollout_id)
            if row is None or row.tenant_id != tenant:
                return None
            return await _record(session, row)

    async def many(self, rollout_ids: Collection[str]) -> dict[str, RolloutRecord]:
        """Rollouts by id across tenants, in two queries (for the scheduler's sender only)."""
        found: dict[str, RolloutRecord] = {}
        ids = sorted(set(rollout_ids))
        async with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                # Plain rows rather than ORM objects: a fan-out loads thousands at once.
                rollouts, circle_table = RolloutRow.__table__, CircleRow.__table__
                rows = (
                    await session.execute(select(rollouts).where(rollouts.c.id.in_(chunk)))
                ).all()
                circles = (
                    await session.execute(
                        select(circle_table)
                        .where(circle_table.c.rollout_id.in_(chunk))
                        .order_by(circle_table.c.starts_at)
                    )
                ).all()
                by_rollout: dict[str, list[Any]] = {}
                for circle in circles:
                    by_rollout.setdefault(circle.rollout_id, []).append(circle)
                for row in rows:
                    found[row.id] = _build(row, by_rollout.get(row.id, []))
        return found

    async def agreed_places(self, tenants: Collection[str]) -> set[tuple[str, str]]:
        """The (tenant, channel) places with an agreed culture agreement, in one query.

        A fan-out asks once for the whole batch, so a prompt looks the agreements up only
        where there are some.
        """
        if not tenants:
            return set()
        async with self._sessions() as session:
            rows = await session.execute(
                select(AgreementRow.tenant_id, AgreementRow.place)
                .where(AgreementRow.tenant_id.in_(sorted(tenants)), AgreementRow.status == "agreed")
                .distinct()
            )
            return {(tenant, place) for tenant, place in rows.all()}

    async def tenant_of(self, rollout_id: str) -> str | None:
        """Which tenant a rollout belongs to (for the operator's command line only)."""
        async with self._sessions() as session:
            row = await session.get(RolloutRow, rollout_id)
            return row.tenant_id if row else None

    async def for_place(self, tenant: str, address: str) -> RolloutRecord | None:
        """The newest rollout in a channel that is not cancelled or ended."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(RolloutRow)
                .where(
                    RolloutRow.tenant_id == tenant,
                    RolloutRow.address == address,
                    RolloutRow.status.in_(("active", "paused")),
                )
                .order_by(RolloutRow.created_at.desc())
                .limit(1)
            )
            return await _record(session, row) if row else None

    async def listing(self, tenant: str | None = None) -> list[RolloutRecord]:
        """Rollouts of one tenant, or of all (the operator's list)."""
        async with self._sessions() as session:
            query = select(RolloutRow).order_by(RolloutRow.created_at)
            if tenant is not None:
                query = query.where(RolloutRow.tenant_id == tenant)
            rows = (await session.scalars(query)).all()
            return [await _record(session, row) for row in rows]

    async def set_status(
        self, tenant: str, rollout_id: str, status: str, reason: str | None = None
    ) -> None:
        """Pause, resume, cancel or end a rollout."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(RolloutRow)
                .where(RolloutRow.tenant_id == tenant, RolloutRow.id == rollout_id)
                .values(status=status, paused_reason=reason)
            )
            if status in ("cancelled", "ended"):
                await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.rollout_id == rollout_id, DeliveryRow.status == "planned")
                    .values(status="cancelled")
                )

    async def replan(
        self,
        tenant: str,
        rollout_id: str,
        circles: list[Circle],
        posts: list[PlannedPost],
        now: datetime,
    ) -> None:
        """Store changed circles and swap every unsent future post for the new plan.

        Posts already sent keep their ledger rows, so a post whose key survives the change is
        not sent again.
        """
        async with self._sessions.begin() as session:
            row = await session.get(RolloutRow, rollout_id)
            if row is None or row.tenant_id != tenant:
                return
            zone = zone_of(row.timezone)
            await session.execute(delete(CircleRow).where(CircleRow.rollout_id == rollout_id))
            for circle in circles:
                session.add(_circle_row(tenant, rollout_id, circle, zone))
            await session.execute(
                delete(DeliveryRow).where(
                    DeliveryRow.rollout_id == rollout_id,
                    DeliveryRow.status == "planned",
                    DeliveryRow.due_at > now,
                    DeliveryRow.kind.not_in(SPAWNED_KINDS),
                )
            )
            await session.flush()
            future = [post for post in posts if post.due_at > now]
            await self._plant(session, tenant, rollout_id, row.address, future)

    async def _plant(
        self,
        session: AsyncSession,
        tenant: str,
        rollout_id: str,
        address: str,
        posts: list[PlannedPost],
    ) -> None:
        if not posts:
            return
        values = [
            {
                "key": post.key(rollout_id, address),
                "tenant_id": tenant,
                "rollout_id": rollout_id,
                "kind": post.kind if not post.detail else f"{post.kind}-{post.detail}",
                "section": post.section,
                "local_date": post.local.date().isoformat(),
                "address": address,
                "due_at": post.due_at,
                "status": "planned",
                "attempts": 0,
            }
            for post in posts
        ]
        for start in range(0, len(values), 500):
            await upsert(session, DeliveryRow, values[start : start + 500], keys=["key"], update=[])

    async def spawn(self, tenant: str, rollout_id: str, address: str, row: Spawned) -> bool:
        """Add a row to the ledger unless its key is there already; True when it is new.

        The key decides: doing the same thing twice (a double click, a replayed send) finds the
        row already there and adds nothing.
        """
        values = {
            "key": row.key,
            "tenant_id": tenant,
            "rollout_id": rollout_id,
            "kind": row.kind,
            "section": row.section,
            "local_date": row.local_date.isoformat(),
            "address": address,
            "due_at": row.due_at,
            "status": "planned",
            "attempts": 0,
            "body": json.dumps(row.body, sort_keys=True),
        }
        async with self._sessions.begin() as session:
            return await upsert(session, DeliveryRow, values, keys=["key"], update=[]) > 0

    async def tick(
        self, tenant: str, rollout_id: str, section: int, item: int, by: str, now: datetime
    ) -> None:
        """Mark a checklist item done (idempotent)."""
        values = {
            "tenant_id": tenant,
            "rollout_id": rollout_id,
            "section": section,
            "item": item,
            "done_at": now,
            "done_by": by,
        }
        keys = ["rollout_id", "section", "item"]
        async with self._sessions.begin() as session:
            await upsert(session, ChecklistRow, values, keys=keys, update=[])

    async def sent_kinds(self, tenant: str, rollout_id: str, section: int) -> set[str]:
        """The kinds of post already sent for a section."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DeliveryRow.kind).where(
                    DeliveryRow.tenant_id == tenant,
                    DeliveryRow.rollout_id == rollout_id,
                    DeliveryRow.section == section,
                    DeliveryRow.status == "sent",
                )
            )
            return set(rows.all())

    async def ticked(self, tenant: str, rollout_id: str, section: int) -> dict[int, str]:
        """The done items of a section's checklist, with who did them (bot or facilitator)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ChecklistRow.item, ChecklistRow.done_by).where(
                    ChecklistRow.tenant_id == tenant,
                    ChecklistRow.rollout_id == rollout_id,
                    ChecklistRow.section == section,
                )
            )
            return {item: by or "facilitator" for item, by in rows.all()}


def _circle_row(tenant: str, rollout_id: str, circle: Circle, zone: ZoneInfo) -> CircleRow:
    return CircleRow(
        tenant_id=tenant,
        rollout_id=rollout_id,
        section=circle.section,
        starts_at=to_utc(circle.local, zone),
        skipped=circle.skipped,
    )


async def _record(session: AsyncSession, row: RolloutRow) -> RolloutRecord:
    circles = (
        await session.scalars(
            select(CircleRow).where(CircleRow.rollout_id == row.id).order_by(CircleRow.starts_at)
        )
    ).all()
    return _build(row, list(circles))


def _build(row: RolloutRow | Any, circles: Sequence[CircleRow | Any]) -> RolloutRecord:
    """A record from stored rows: ORM objects, or plain rows with the same columns."""
    zone = zone_of(row.timezone)
    return RolloutRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        address=row.address,
        timezone=row.timezone,
        status=row.status,
        calendar=_calendar(row.calendar),
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
def _calendar(stored: str) -> CohortCalendar:
    # Most cohorts share the default calendar: parse each stored form once (it is frozen).
    return CohortCalendar.model_validate_json(stored)
