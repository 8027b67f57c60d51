"""The ledger's history: settled rows are kept `CRBOT_DELIVERY_HISTORY_DAYS`, then summarised as
counts per rollout, kind and outcome (`delivery_history`) and deleted.

Without this the ledger only grows: every post ever made stays a row. What facilitators still
need is kept: rows to send or being sent, uncertain rows (each waits for "Post it now"), and
everything due within the history window (missed posts, checklists of recent sections).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.ledger_tables import DeliveryHistoryRow, DeliveryRow
from bot.storage.rollout_records import instant

log = logging.getLogger(__name__)

# Outcomes that never change again; a row in any other status is never pruned.
SETTLED = ("sent", "missed", "failed", "cancelled", "skipped")
# Rows summarised and deleted per transaction, so pruning never holds locks for long.
CHUNK = 5000


@dataclass(frozen=True)
class Pruned:
    """What one pruning did: rows deleted, and summary rows they went into."""

    rows: int
    summaries: int


class History:
    """Summarises and prunes settled ledger rows older than the history window."""

    def __init__(self, engine: AsyncEngine, keep: timedelta) -> None:
        self._engine = engine
        self.keep = keep

    async def prune(self, now: datetime) -> Pruned:
        """Summarise and delete settled rows due before `now - keep`, a chunk at a time."""
        cutoff = now - self.keep
        rows = summaries = 0
        while True:
            done, summarised = await self._chunk(cutoff)
            rows += done
            summaries += summarised
            if done < CHUNK:
                break
        if rows:
            log.info("ledger history pruned", extra={"status": f"{rows} rows"})
        return Pruned(rows, summaries)

    async def _chunk(self, cutoff: datetime) -> tuple[int, int]:
        old = (
            select(DeliveryRow.id)
            .where(DeliveryRow.status.in_(SETTLED), DeliveryRow.due_at < cutoff)
            .order_by(DeliveryRow.id)
            .limit(CHUNK)
        )
        async with self._engine.begin() as connection:
            ids = list((await connection.scalars(old)).all())
            if not ids:
                return 0, 0
            mine = DeliveryRow.id.in_(ids)
            groups = (
                await connection.execute(
                    select(
                        DeliveryRow.rollout_id,
                        DeliveryRow.kind,
                        DeliveryRow.status,
                        DeliveryRow.tenant_id,
                        func.count(),
                        func.min(DeliveryRow.due_at),
                        func.max(DeliveryRow.due_at),
                    )
                    .where(mine)
                    .group_by(
                        DeliveryRow.rollout_id,
                        DeliveryRow.kind,
                        DeliveryRow.status,
                        DeliveryRow.tenant_id,
                    )
                )
            ).all()
            values = [
                {
                    "rollout_id": rollout_id,
                    "kind": kind,
                    "status": status,
                    "tenant_id": tenant,
                    "count": count,
                    "first_due": instant(first),
                    "last_due": instant(last),
                }
                for rollout_id, kind, status, tenant, count, first, last in groups
            ]
            postgres = connection.dialect.name == "postgresql"
            statement = (postgresql.insert if postgres else sqlite.insert)(DeliveryHistoryRow)
            statement = statement.values(values)
            have, new = DeliveryHistoryRow.__table__.c, statement.excluded
            # A rollout pruned again adds to what it had: counts sum, the days widen.
            statement = statement.on_conflict_do_update(
                index_elements=["rollout_id", "kind", "status"],
                set_={
                    "count": have.count + new.count,
                    "first_due": case(
                        (new.first_due < have.first_due, new.first_due), else_=have.first_due
                    ),
                    "last_due": case(
                        (new.last_due > have.last_due, new.last_due), else_=have.last_due
                    ),
                },
            )
            await connection.execute(statement)
            await connection.execute(delete(DeliveryRow).where(mine))
        return len(ids), len(values)

    async def summary(self, rollout_id: str) -> dict[tuple[str, str], int]:
        """How many pruned rows of each (kind, outcome) a rollout had."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    DeliveryHistoryRow.kind, DeliveryHistoryRow.status, DeliveryHistoryRow.count
                ).where(DeliveryHistoryRow.rollout_id == rollout_id)
            )
            return {(kind, status): count for kind, status, count in rows.all()}
