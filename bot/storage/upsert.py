"""Insert-or-update that works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession) -> Any:
    """The `insert` construct of the session's database, which knows ON CONFLICT."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def upsert(
    session: AsyncSession,
    table: type[DeclarativeBase],
    values: dict[str, Any] | list[dict[str, Any]],
    keys: list[str],
    update: list[str],
) -> int:
    """Insert `values` (one row or several), or update the `update` columns of the row matching
    `keys` (if any) with what was offered for it.

    Returns how many rows changed: 0 when the rows were already there and nothing is updated.
    """
    statement = dialect_insert(session)(table).values(values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={column: statement.excluded[column] for column in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    result = await session.execute(statement)
    # An INSERT's result is a cursor result, which counts the rows it changed.
    return int(getattr(result, "rowcount", 0) or 0)
