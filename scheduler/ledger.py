"""The delivery ledger: claim due posts in a transaction, mark them sent, retry or give up.

A row moves planned → sending (claimed, with who and when) → sent. Claiming is one UPDATE over a
`FOR UPDATE SKIP LOCKED` subquery on PostgreSQL, so two schedulers never claim the same row; on
SQLite the single UPDATE takes the write lock for itself (one process). The same transaction
renews the claimer's sending lease (`scheduler.leader.Lease`), or claims nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnClause,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.ledger_tables import DeliveryRow, RolloutRow
from bot.storage.rollout_records import instant, utc
from scheduler import wake
from scheduler.leader import Lease

log = logging.getLogger(__name__)

# Written into the SQL rather than bound: a partial index on planned rows serves a query only
# when the planner can see the value (SQLite's, and PostgreSQL's cached generic plans).
PLANNED: ColumnClause[str] = literal_column("'planned'")

# Whether a row's rollout is active, asked of each candidate row (a primary-key lookup) rather
# than joined: a join lets the planner start from the rollouts and read every one's planned rows
# (PostgreSQL does, on statistics not yet gathered after bulk planning); this way each query
# reads the planned rows in index order and stops as soon as it has its rows.
_ACTIVE = (
    select(RolloutRow.status).where(RolloutRow.id == DeliveryRow.rollout_id).scalar_subquery()
    == "active"
)

# While the database is away, recording outcomes is tried again after these waits (seconds).
RECONNECT_FIRST = 0.2
RECONNECT_CAP = 5.0


# PostgreSQL's SQLSTATE classes for a server that is away or refusing for now: connection
# exceptions, insufficient resources (too many connections), operator intervention (shutting
# down, starting up).
AWAY_CLASSES = ("08", "53", "57")


def unreachable(error: BaseException) -> bool:
    """Whether a database error means the server is away (down, restarting, cut off)."""
    if isinstance(error, OSError):  # refused, reset, timed out: asyncpg raises these raw
        return True
    if isinstance(error, OperationalError | InterfaceError):
        return True
    code = getattr(getattr(error, "orig", error), "sqlstate", None)
    if isinstance(code, str) and code[:2] in AWAY_CLASSES:
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


@dataclass(frozen=True)
class Claimed:
    """A row this scheduler now owns until it marks it."""

    id: int
    key: str
    tenant: str
    rollout_id: str
    kind: str
    section: int
    local_date: date
    address: str
    attempts: int
    body: str | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class Missed:
    """A row marked missed: its rollout, what it was, when it was due and what it carried."""

    id: int
    rollout_id: str
    kind: str
    section: int
    due_at: datetime
    body: str | None = None


@dataclass(frozen=True)
class Backlog:
    """Posts due and not yet sent: how many, and since when the oldest never tried waits."""

    pending: int
    oldest: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed row."""

    id: int
    status: str  # sent, planned (retry), failed, uncertain
    message_id: str | None = None
    error: str | None = None
    not_before: datetime | None = None
    attempts: int = 0


_COLUMNS = (
    DeliveryRow.id,
    DeliveryRow.key,
    DeliveryRow.tenant_id,
    DeliveryRow.rollout_id,
    DeliveryRow.kind,
    DeliveryRow.section,
    DeliveryRow.local_date,
    DeliveryRow.address,
    DeliveryRow.attempts,
    DeliveryRow.body,
    DeliveryRow.due_at,
)


def _claimed(row: Any) -> Claimed:
    # By position, in `_COLUMNS` order: a fan-out claims thousands of rows at once.
    row_id, key, tenant, rollout_id, kind, section, local_date, address, attempts, body, due = row
    return Claimed(
        id=row_id,
        key=key,
        tenant=tenant,
        rollout_id=rollout_id,
        kind=kind,
        section=section,
        local_date=date.fromisoformat(local_date),
        address=address,
        attempts=attempts,
        body=body,
        due_at=utc(due) if due is not None else None,
    )


class LedgerStore:
    """Claims, marks and recovers delivery rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        """The database the ledger lives in (the sending lease lives there too)."""
        return self._engine

    def _due(self, now: datetime) -> Any:
        return and_(
            DeliveryRow.status == PLANNED,
            DeliveryRow.due_at <= now,
            or_(DeliveryRow.not_before.is_(None), DeliveryRow.not_before <= now),
        )

    async def expire(self, now: datetime, grace: timedelta) -> list[Missed]:
        """Mark posts too late to send as missed; returns each, in id order."""
        late = and_(self._due(now), DeliveryRow.due_at < now - grace)
        async with self._engine.begin() as connection:
            # What the rows were comes back from the update itself: a second query could see
            # rows another scheduler marked, or miss some this one did.
            rows = await connection.execute(
                update(DeliveryRow)
                .where(late)
                .values(status="missed")
                .returning(
                    DeliveryRow.id,
                    DeliveryRow.rollout_id,
                    DeliveryRow.kind,
                    DeliveryRow.section,
                    DeliveryRow.due_at,
                    DeliveryRow.body,
                )
            )
            missed = [
                Missed(row_id, rollout_id, kind, section, utc(due_at), body)
                for row_id, rollout_id, kind, section, due_at, body in rows.all()
            ]
        return sorted(missed, key=lambda row: row.id)

    def claim_statement(self, me: str, now: datetime, limit: int) -> Any:
        """The UPDATE that claims up to `limit` due rows of active rollouts for `me`."""
        chosen = (
            select(DeliveryRow.id)
            .where(self._due(now), _ACTIVE)
            # Among posts due at once, by key: its random rollout id spreads each slice of a
            # fan-out over every workspace, so all of them start sending with the first slice.
            # Read from `ix_deliveries_status_due`: only rows due now, none with nothing due.
            .order_by(DeliveryRow.due_at, DeliveryRow.key)
            .limit(literal_column(str(int(limit))))
            .with_for_update(skip_locked=True, of=DeliveryRow)
            # Chosen and locked once: as a subquery PostgreSQL may rescan it for each row it
            # updates, and each rescan skips other schedulers' fresh locks and picks other rows,
            # leaving some locked and not claimed.
            .cte("chosen")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        return (
            update(DeliveryRow)
            # The guard is an expression rather than the bare column, so no planner answers it
            # by reading every planned row from the status index (SQLite did) instead of
            # looking the chosen ids up.
            .where(
                DeliveryRow.id.in_(select(chosen.c.id)),
                func.coalesce(DeliveryRow.status, "") == "planned",
            )
            .values(status="sending", claimed_by=me, claimed_at=now)
            .returning(*_COLUMNS)
        )

    async def claim(
        self, me: str, now: datetime, limit: int, lease: Lease | None = None
    ) -> list[Claimed]:
        """Take up to `limit` due rows of active rollouts; none unless `lease` is renewed."""
        async with self._engine.begin() as connection:
            # The one statement fencing adds to a slice: a replica that cannot prove it still
            # holds the lease claims nothing, in the same transaction that would claim.
            if lease is not None and not await lease.renew(connection):
                return []
            rows = await connection.execute(self.claim_statement(me, now, limit))
            claimed = [_claimed(row) for row in rows.all()]
        return sorted(claimed, key=lambda row: row.id)

    async def finish(
        self, me: str, outcomes: Sequence[Outcome], now: datetime, lease: Lease | None = None
    ) -> int:
        """Record outcomes of rows this scheduler claimed; returns how many it still owned.

        A row another replica found left behind and marked uncertain takes its outcome too: we
        know what became of it. The lease is renewed on the way when it is due.
        """
        if not outcomes:
            return 0
        table = DeliveryRow.__table__
        statement = (
            update(table)  # type: ignore[arg-type]
            .where(
                table.c.id == bindparam("row_id"),
                # Not IN: an expanding list cannot go with executemany.
                or_(table.c.status == "sending", table.c.status == "uncertain"),
                table.c.claimed_by == me,
            )
            .values(
                status=bindparam("new_status"),
                message_id=bindparam("new_message_id"),
                error=bindparam("new_error"),
                not_before=bindparam("new_not_before"),
                attempts=bindparam("new_attempts"),
                sent_at=bindparam("new_sent_at"),
            )
        )
        values = [
            {
                "row_id": outcome.id,
                "new_status": outcome.status,
                "new_message_id": outcome.message_id,
                "new_error": outcome.error,
                "new_not_before": outcome.not_before,
                "new_attempts": outcome.attempts,
                "new_sent_at": now if outcome.status == "sent" else None,
            }
            for outcome in outcomes
        ]
        # The sends already happened: their outcomes wait for the database rather than be lost
        # (rows left `sending` would later be reported as uncertain, or never sent at all).
        wait = RECONNECT_FIRST
        while True:
            try:
                async with self._engine.begin() as connection:
                    if lease is not None and lease.due():
                        # Whether or not it is still ours, what was sent is recorded.
                        await lease.renew(connection)
                    result = await connection.execute(statement, values)
                return int(result.rowcount)
            except Exception as error:
                if not unreachable(error):
                    raise
                log.warning(
                    "database unreachable: %d outcomes wait to be recorded",
                    len(values),
                    extra={"status": type(error).__name__},
                )
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_CAP)

    async def stale(self) -> list[Claimed]:
        """Rows left in `sending` by a scheduler that stopped between send and mark."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(*_COLUMNS).where(DeliveryRow.status == "sending").order_by(DeliveryRow.id)
            )
            return [_claimed(row) for row in rows.all()]

    async def settle(self, row_id: int, status: str, message_id: str | None = None) -> bool:
        """Resolve a stale row: sent (found on the platform), planned again, or uncertain;
        False if its claimer recorded it first."""
        # An uncertain row keeps its claimer, whose outcome may still come and settle it.
        claimer = DeliveryRow.claimed_by if status == "uncertain" else None
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row_id, DeliveryRow.status == "sending")
                .values(status=status, message_id=message_id, claimed_by=claimer)
            )
        return bool(result.rowcount)

    async def release(self, me: str, keep: Collection[int]) -> int:
        """Put back rows claimed by a claim whose answer never came (the database went away as
        it committed): nothing of ours holds them, so none was sent. `keep`: rows handed out."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.status == "sending",
                    DeliveryRow.claimed_by == me,
                    DeliveryRow.id.not_in(list(keep)),
                )
                .values(status="planned", claimed_by=None)
            )
        return int(result.rowcount)

    async def next_retry(self, now: datetime) -> datetime | None:
        """When the earliest postponed row of an active rollout may go."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                select(DeliveryRow.not_before)
                .where(
                    DeliveryRow.status == PLANNED,
                    DeliveryRow.not_before.is_not(None),
                    DeliveryRow.not_before > now,
                    DeliveryRow.due_at <= now,
                    _ACTIVE,
                )
                .order_by(DeliveryRow.not_before)
                .limit(1)
            )
        return utc(found) if found is not None else None

    def wake_query(self) -> Any:
        """The first windows of planned posts and retries that `next_wake` reads."""
        return wake.wake_query(PLANNED)

    async def next_wake(self) -> datetime | None:
        """When the sender has something to do next, across every rollout: the first planned
        post never tried, or the first retry, whichever comes sooner (`scheduler.wake`)."""
        async with self._engine.connect() as connection:
            return await wake.next_wake(connection, PLANNED)

    async def backlog(self, now: datetime) -> Backlog:
        """The due posts of active rollouts still planned, and the oldest never tried."""
        never_tried = case((DeliveryRow.attempts == 0, DeliveryRow.due_at))
        async with self._engine.connect() as connection:
            pending, oldest = (
                await connection.execute(
                    select(func.count(), func.min(never_tried))
                    .select_from(DeliveryRow)
                    .where(
                        DeliveryRow.status == PLANNED,
                        DeliveryRow.due_at <= now,
                        _ACTIVE,
                    )
                )
            ).one()
        return Backlog(int(pending or 0), instant(oldest) if oldest is not None else None)

    async def counts(self, rollout_id: str | None = None) -> dict[str, int]:
        """How many rows are in each status (for tests, benchmarks and the operator)."""
        query = select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
        if rollout_id is not None:
            query = query.where(DeliveryRow.rollout_id == rollout_id)
        async with self._engine.connect() as connection:
            return {status: count for status, count in (await connection.execute(query)).all()}
