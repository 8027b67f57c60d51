"""Some replica leads the scheduler, and nothing due waits unsent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.tables import DeliveryRow, RolloutRow
from crbot.checks.result import Check, fail, ok, skip
from scheduler.leader import LOCK_KEY

# A due post still unsent after this long means no scheduler is sending.
OVERDUE = timedelta(minutes=10)


async def scheduling(engine: AsyncEngine, now: datetime) -> list[Check]:
    """Some replica leads the scheduler, and no due post is waiting unsent."""
    checks: list[Check] = []
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            holder = await connection.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = 0 AND objid = :key LIMIT 1"
                ),
                {"key": LOCK_KEY},
            )
        if holder is None:
            checks.append(
                fail(
                    "scheduler leader",
                    "no replica holds the scheduler lock",
                    "start `crbot run`; if it runs, look for 'leader election' in its logs",
                )
            )
        else:
            checks.append(ok("scheduler leader", f"held by database session {holder}"))
    else:
        checks.append(skip("scheduler leader", "SQLite: the one running bot always leads"))
    checks.append(await _backlog(engine, now))
    return checks


async def _backlog(engine: AsyncEngine, now: datetime) -> Check:
    late = now - OVERDUE
    waiting = and_(
        DeliveryRow.status == "planned",
        DeliveryRow.due_at <= late,
        or_(DeliveryRow.not_before.is_(None), DeliveryRow.not_before <= late),
        RolloutRow.status == "active",
    )
    async with engine.connect() as connection:
        overdue, oldest = (
            await connection.execute(
                select(func.count(), func.min(DeliveryRow.due_at))
                .select_from(DeliveryRow)
                .join(RolloutRow, RolloutRow.id == DeliveryRow.rollout_id)
                .where(waiting)
            )
        ).one()
        by_status = dict(
            (
                await connection.execute(
                    select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
                )
            ).all()
        )
    counts = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    if overdue:
        minutes = OVERDUE.total_seconds() // 60
        return fail(
            "scheduler backlog",
            f"{overdue} posts due over {minutes:.0f} min ago are unsent (oldest due {oldest})",
            "check that `crbot run` is running and leading, and its logs for delivery errors",
        )
    return ok("scheduler backlog", f"nothing overdue ({counts or 'no posts planned'})")
