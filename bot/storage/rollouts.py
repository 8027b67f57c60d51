"""Rollouts, their circles and checklists, and planting their posts in the delivery ledger."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import Circle, PlannedPost, to_utc, zone_of
from bot.storage.bulk import insert_new
from bot.storage.ledger_tables import ChecklistRow, CircleRow, DeliveryRow, RolloutRow
from bot.storage.rollout_records import RolloutRecord as RolloutRecord  # where callers find it
from bot.storage.rollout_records import load, load_one
from bot.storage.rollout_records import utc as utc  # where callers find it
from bot.storage.tables import AgreementRow
from bot.storage.upsert import upsert

log = logging.getLogger(__name__)

# Statuses in which the scheduler posts for a rollout.
LIVE = ("active",)
# Ledger rows made while sending rather than planned from the circles: a re-plan keeps them.
SPAWNED_KINDS = ("follow-up", "leader-dm", "reminder-dms")

# Told, after a commit, that the plan changed: the earliest due time among the rows added, or
# None when rows went or a rollout's status changed (the scheduler moves its one wake-up).
PlanWatcher = Callable[[datetime | None], None]


@dataclass(frozen=True)
class NewRollout:
    """A validated rollout with its expanded posts, ready to store."""

    tenant: str
    address: str
    timezone: str
    calendar: CohortCalendar
    circles: Sequence[Circle]
    created_by: str | None
    posts: Sequence[PlannedPost]


@dataclass(frozen=True)
class Spawned:
    """A ledger row made while sending: a leader's own note, a poll's reminders, a follow-up."""

    key: str
    kind: str
    section: int
    local_date: date
    due_at: datetime
    body: dict[str, str]


class RolloutStore:
    """Rollouts within one tenant; the ledger rows they plan."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        self._watchers: list[PlanWatcher] = []

    @property
    def sessions(self) -> async_sessionmaker[Any]:
        """The database the rollouts and their ledger rows live in."""
        return self._sessions

    def watch(self, watcher: PlanWatcher) -> None:
        """Be told after each change to what is planned (see `PlanWatcher`)."""
        self._watchers.append(watcher)

    def unwatch(self, watcher: PlanWatcher) -> None:
        """Stop telling `watcher`."""
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def _changed(self, earliest: datetime | None) -> None:
        for watcher in list(self._watchers):
            try:
                watcher(earliest)
            except Exception:
                # What was stored is stored; the scheduler's sweep finds it all the same.
                log.exception("a plan watcher failed")

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
        new = NewRollout(tenant, address, timezone, calendar, circles, created_by, posts)
        (rollout_id,) = await self.create_many([new], now)
        return rollout_id

    async def create_many(self, rollouts: Sequence[NewRollout], now: datetime) -> list[str]:
        """Store many validated rollouts and all their posts in one transaction, a few large
        INSERTs per table (a statewide roll-out plans a thousand teams at once); their ids."""
        ids = [uuid.uuid4().hex[:12] for _ in rollouts]
        heads: list[dict[str, Any]] = []
        circles: list[dict[str, Any]] = []
        planted: list[dict[str, Any]] = []
        for rollout_id, new in zip(ids, rollouts, strict=True):
            zone = zone_of(new.timezone)
            heads.append(
                {
                    "id": rollout_id,
                    "tenant_id": new.tenant,
                    "address": new.address,
                    "timezone": new.timezone,
                    "status": "active",
                    "calendar": new.calendar.model_dump_json(),
                    "created_by": new.created_by,
                    "paused_reason": None,
                    "created_at": now,
                }
            )
            circles.extend(_circle_values(new.tenant, rollout_id, c, zone) for c in new.circles)
            planted.extend(_post_values(new.tenant, rollout_id, new.address, new.posts))
        async with self._sessions.begin() as session:
            connection = await session.connection()
            for table, rows in ((RolloutRow, heads), (CircleRow, circles), (DeliveryRow, planted)):
                # The rollout ids are new, so none of these keys can be there yet.
                await insert_new(connection, table.__table__, rows)
        self._changed(min((row["due_at"] for row in planted), default=None))
        return ids

    async def get(self, tenant: str, rollout_id: str) -> RolloutRecord | None:
        """One rollout of the tenant."""
        async with self._sessions() as session:
            row = await session.get(RolloutRow, rollout_id)
            if row is None or row.tenant_id != tenant:
                return None
            return await load_one(session, row)

    async def many(self, rollout_ids: Collection[str]) -> dict[str, RolloutRecord]:
        """Rollouts by id across tenants, in two queries (for the scheduler's sender only)."""
        rollouts = RolloutRow.__table__
        found: dict[str, RolloutRecord] = {}
        ids = sorted(set(rollout_ids))
        async with self._sessions() as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = select(rollouts).where(rollouts.c.id.in_(chunk))
                for record in await load(session, query):
                    found[record.id] = record
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
            return await load_one(session, row) if row else None

    async def listing(self, tenant: str | None = None) -> list[RolloutRecord]:
        """Rollouts of one tenant, or of all (the operator's list), in two queries."""
        rollouts = RolloutRow.__table__
        query = select(rollouts).order_by(rollouts.c.created_at)
        if tenant is not None:
            query = query.where(rollouts.c.tenant_id == tenant)
        async with self._sessions() as session:
            return await load(session, query)

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
        # Resumed, its posts count again; paused or ended, the wake-up may be later now.
        self._changed(None)

    async def reopen(self, tenant: str, rollout_id: str, status: str, now: datetime) -> bool:
        """Undo an end: the rollout runs (or is paused) again and the posts its end cancelled
        that are still to come are planned again; False when it had not ended."""
        async with self._sessions.begin() as session:
            reopened = await session.execute(
                update(RolloutRow)
                .where(
                    RolloutRow.tenant_id == tenant,
                    RolloutRow.id == rollout_id,
                    RolloutRow.status == "ended",
                )
                .values(status=status, paused_reason=None)
            )
            if not reopened.rowcount:
                return False
            await session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.tenant_id == tenant,
                    DeliveryRow.rollout_id == rollout_id,
                    DeliveryRow.status == "cancelled",
                    DeliveryRow.due_at > now,
                )
                .values(status="planned")
            )
        self._changed(None)
        return True

    async def replan(
        self,
        tenant: str,
        rollout_id: str,
        circles: list[Circle],
        posts: list[PlannedPost],
        now: datetime,
        calendar: CohortCalendar | None = None,
        timezone: str | None = None,
    ) -> None:
        """Store changed circles (and calendar, and time zone) and swap every unsent future
        post for the new plan.

        Posts already sent keep their ledger rows, so a post whose key survives the change is
        not sent again.
        """
        async with self._sessions.begin() as session:
            row = await session.get(RolloutRow, rollout_id)
            if row is None or row.tenant_id != tenant:
                return
            if calendar is not None:
                row.calendar = calendar.model_dump_json()
            if timezone is not None:
                row.timezone = timezone
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
        self._changed(None)

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
        values = _post_values(tenant, rollout_id, address, posts)
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
            added = await upsert(session, DeliveryRow, values, keys=["key"], update=[]) > 0
        if added:
            self._changed(row.due_at)
        return added

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


def _circle_values(tenant: str, rollout_id: str, circle: Circle, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "rollout_id": rollout_id,
        "section": circle.section,
        "starts_at": to_utc(circle.local, zone),
        "skipped": circle.skipped,
    }


def _circle_row(tenant: str, rollout_id: str, circle: Circle, zone: ZoneInfo) -> CircleRow:
    return CircleRow(**_circle_values(tenant, rollout_id, circle, zone))


def _post_values(
    tenant: str, rollout_id: str, address: str, posts: Sequence[PlannedPost]
) -> list[dict[str, Any]]:
    """Ledger rows for planned posts, under their deterministic keys."""
    return [
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
            "body": post.body,
        }
        for post in posts
    ]
