"""Inserting many new rows at once: COPY on PostgreSQL (then fresh statistics), one plain
executemany on SQLite.

SQLAlchemy's executemany binds every value of every row in Python and, on PostgreSQL, sends
multi-row INSERTs that the server parses one by one: tens of µs a row, many seconds for a
statewide plan. asyncpg's COPY and sqlite3's executemany take the rows nearly as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
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
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    if connection.dialect.name == "postgresql":
        copied = [values(row) for row in rows]
        await driver.copy_records_to_table(name, records=copied, columns=columns)
        if len(rows) >= ANALYZE_AFTER:
            # As PostgreSQL's guide to populating a database says: until autovacuum gets to
            # it, the planner takes a table just loaded for a few dozen rows and answers an
            # ordered LIMIT by sorting all of it (a full scan per scheduler tick).
            await connection.execute(text(f"ANALYZE {name}"))
        return
    # SQLite stores what SQLAlchemy's types make of each value (datetimes as text, say).
    dialect = connection.dialect
    processed: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(columns):
        bind = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        if bind is not None:
            processed.append((index, _remembering(bind)))
    records: list[Any] = [values(row) for row in rows]
    if processed:
        for at, record in enumerate(records):
            changed = list(record)
            for index, process in processed:
                if changed[index] is not None:
                    changed[index] = process(changed[index])
            records[at] = changed
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    await driver.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", records)


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, working out each distinct value once: the posts of cohorts planned together
    share their instants, and formatting a datetime costs more than looking it up."""
    seen: dict[tuple[type, Any, Any], Any] = {}

    def remembered(value: Any) -> Any:
        # Equal is not always the same: True is 1, and one instant has many offsets.
        asked = (type(value), value, getattr(value, "tzinfo", None))
        try:
            return seen[asked]
        except KeyError:
            found = seen[asked] = process(value)
            return found
        except TypeError:  # not hashable (a JSON value, say)
            return process(value)

    return remembered
