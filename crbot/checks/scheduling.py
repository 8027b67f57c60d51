"""Some replica leads the scheduler and holds its sending lease, and nothing due waits unsent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, and_, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.checks import Check, fail, ok, skip
from bot.storage.ledger_tables import DeliveryRow, LeaseRow, RolloutRow
from scheduler.leader import LEASE_NAME, LOCK_KEY, SERVER_NOW

# A due post still unsent after this long means no scheduler is sending.
OVERDUE = timedelta(minutes=10)


async def scheduling(engine: AsyncEngine, now: datetime) -> list[Check]:
    """Some replica leads the scheduler and holds the sending lease, and no due post is waiting
    unsent."""
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
    checks.append(await lease(engine))
    checks.append(await _backlog(engine, now))
    return checks


async def lease(engine: AsyncEngine) -> Check:
    """Who holds the sending lease, in which term, until when: the lock elects a leader, but
    only the lease's holder sends (`scheduler.leader`)."""
    # Expiries are on the database server's clock, so the doctor reads that clock too.
    server_now = literal_column(SERVER_NOW[engine.dialect.name], Float).label("server_now")
    async with engine.connect() as connection:
        found = (
            await connection.execute(
                select(LeaseRow.holder, LeaseRow.term, LeaseRow.expires_at, server_now).where(
                    LeaseRow.name == LEASE_NAME
                )
            )
        ).one_or_none()
    if found is not None and found.expires_at > found.server_now:
        left = found.expires_at - found.server_now
        return ok(
            "scheduler lease",
            f"held by replica {found.holder} in term {found.term}, {left:.0f} s left",
        )
    if found is None:
        detail = "never taken: no scheduler has sent from this database yet"
    elif found.expires_at <= 0:
        # Handing back sets the expiry to zero, so the next replica need not wait.
        detail = f"handed back by replica {found.holder} after term {found.term}"
    else:
        ago = found.server_now - found.expires_at
        detail = f"term {found.term} of replica {found.holder} expired {ago:.0f} s ago"
    if engine.dialect.name == "postgresql":
        return fail(
            "scheduler lease",
            f"no replica may send: {detail}",
            "start `crbot run`; if it runs, look for 'sending lease' in its logs",
        )
    # One process serves SQLite, and the doctor cannot tell whether it should be running now.
    return skip("scheduler lease", f"not held ({detail}); `crbot run` takes it as it starts")


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
