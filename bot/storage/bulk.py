"""Inserting many new rows at once: COPY on PostgreSQL (then fresh statistics), one plain
executemany on SQLite.

SQLAlchemy's executemany binds every value of every row in Python and, on PostgreSQL, sends
multi-row INSERTs that the server parses one by one: tens of µs a row, many seconds for a
statewide plan. asyncpg's COPY and sqlite3's executemany take the rows nearly as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import FromClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Rows inserted at once beyond which PostgreSQL's statistics are refreshed in the same transaction.
ANALYZE_AFTER = 2_000


async def insert_new(
    connection: AsyncConnection, table: FromClause, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert rows that cannot conflict with any already there (new keys), in the transaction
    under way. Every row has the same columns."""
    if not rows:
        return
    columns = list(rows[0])
    name = str(getattr(table, "name", table))
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    if connection.dialect.name == "postgresql":
        records = [tuple(row[column] for column in columns) for row in rows]
        await driver.copy_records_to_table(name, records=records, columns=columns)
        if len(rows) >= ANALYZE_AFTER:
            # As PostgreSQL's guide to populating a database says: until autovacuum gets to
            # it, the planner takes a table just loaded for a few dozen rows and answers an
            # ordered LIMIT by sorting all of it (a full scan per scheduler tick).
            await connection.execute(text(f"ANALYZE {name}"))
        return
    # SQLite stores what SQLAlchemy's types make of each value (datetimes as text, say).
    dialect = connection.dialect
    processors = [
        table.c[column].type.dialect_impl(dialect).bind_processor(dialect) for column in columns
    ]
    records = [
        tuple(
            value if process is None or value is None else process(value)
            for value, process in zip((row[c] for c in columns), processors, strict=True)
        )
        for row in rows
    ]
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    await driver.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", records)
