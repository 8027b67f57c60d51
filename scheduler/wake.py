"""When the sender next has something to do: the first planned post never tried, or the first
retry, of any active rollout, read from the ledger's indexes in order.

Each part reads a short window of planned rows in due order (a LIMIT the planner serves from
`ix_deliveries_status_due` or `ix_deliveries_retry`, never a scan and a sort of all planned
rows), then asks of those rows only whether their rollout is active. A window whose rows all
belong to paused rollouts is followed by the next one, which is rare: paused rollouts' overdue
posts are marked missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import literal, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.ledger_tables import DeliveryRow, RolloutRow
from bot.storage.rollout_records import instant

# Planned rows read per part and round; one round nearly always decides.
WINDOW = 64
# The two parts: posts never tried, by due time; retries, by when they may go.
PARTS = {
    "due": (DeliveryRow.due_at, DeliveryRow.not_before.is_(None)),
    "retry": (DeliveryRow.not_before, DeliveryRow.not_before.is_not(None)),
}


def window(part: str, planned: Any, offset: int = 0) -> Any:
    """One part's window of planned rows with, for each, whether its rollout is active."""
    column, where = PARTS[part]
    rows = (
        select(column.label("at"), DeliveryRow.rollout_id)
        .where(DeliveryRow.status == planned, where)
        .order_by(column)
        # Written into the SQL: under a cached generic plan an unknown LIMIT reads as a tenth
        # of the table, and PostgreSQL would sort it rather than read the index in order.
        .limit(literal_column(str(WINDOW)))
        .offset(literal_column(str(offset)))
        .subquery()
    )
    status = select(RolloutRow.status).where(RolloutRow.id == rows.c.rollout_id)
    return select(
        literal(part).label("part"),
        rows.c.at,
        status.scalar_subquery().label("rollout_status"),
    )


def wake_query(planned: Any) -> Any:
    """Both parts' first windows, in one statement."""
    return union_all(*(window(part, planned) for part in PARTS))


async def next_wake(connection: AsyncConnection, planned: Any) -> datetime | None:
    """The earlier of the two parts' first times among active rollouts, or None."""
    rows: dict[str, list[tuple[Any, Any]]] = {part: [] for part in PARTS}
    for part, at, status in (await connection.execute(wake_query(planned))).all():
        rows[part].append((at, status))
    found = []
    for part, seen in rows.items():
        offset = 0
        while True:
            first = next((at for at, status in seen if status == "active"), None)
            if first is not None:
                found.append(instant(first))
                break
            if len(seen) < WINDOW:
                break
            offset += WINDOW
            result = await connection.execute(window(part, planned, offset))
            seen = [(at, status) for _, at, status in result.all()]
    return min(found) if found else None
