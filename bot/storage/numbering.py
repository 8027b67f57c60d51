"""Per-team numbers for what people see and type (asks, drivers, agreements).

Rows keep their global ids inside the bot; people see a number counted within their own team,
so a new team's first driver is #1 and nothing shown hints at other teams' activity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.tables import AgreementRow, AskRow, DriverRow, ItemNumberRow
from bot.storage.upsert import upsert

# The tables whose rows carry a per-team number.
Numbered = type[AskRow] | type[DriverRow] | type[AgreementRow]
Row = TypeVar("Row", AskRow, DriverRow, AgreementRow)


async def _take_number(session: AsyncSession, table: Numbered, tenant: str) -> int:
    """The team's next number for this kind of item. The counter's update comes first: it takes
    SQLite's write lock and PostgreSQL's row lock, so two items added at once wait for each
    other and never share a number."""
    kind = table.__tablename__
    counter = ItemNumberRow.tenant_id == tenant, ItemNumberRow.kind == kind
    claim = (
        update(ItemNumberRow)
        .where(*counter)
        .values(last=ItemNumberRow.last + 1)
        .returning(ItemNumberRow.last)
    )
    taken = await session.scalar(claim)
    if taken is not None:
        return int(taken)
    # The team's first of the kind, or a team numbered before counters: go on from its highest.
    highest = await session.scalar(
        select(func.coalesce(func.max(table.number), 0)).where(table.tenant_id == tenant)
    )
    start = {"tenant_id": tenant, "kind": kind, "last": int(highest or 0)}
    await upsert(session, ItemNumberRow, start, keys=["tenant_id", "kind"], update=[])
    return int(await session.scalar(claim) or 0)


async def add_numbered(
    sessions: async_sessionmaker[Any],
    make: Callable[[], Row],
    table: Numbered,
    tenant: str,
    then: Callable[[AsyncSession, Row], Awaitable[None]] | None = None,
) -> Row:
    """Insert the row `make` builds with the team's next number; `then` runs in its transaction
    once the row has its id."""
    async with sessions.begin() as session:
        number = await _take_number(session, table, tenant)
        row = make()
        row.number = number
        session.add(row)
        await session.flush()
        if then is not None:
            await then(session, row)
    return row
