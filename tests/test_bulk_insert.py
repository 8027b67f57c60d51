"""Rows inserted in bulk are stored exactly as SQLAlchemy's own INSERT stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.bulk import insert_new

METADATA = MetaData()
SAMPLES = Table(
    "bulk_samples",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("flag", Boolean),
    Column("word", String(20), nullable=True),
)


def rows(first: int) -> list[dict[str, object]]:
    # One instant in three offsets, a repeated hour either side of its fold, and repeats of each.
    instant = datetime(2027, 6, 1, 0, 30, tzinfo=UTC)
    london = ZoneInfo("Europe/London")
    values: list[datetime | None] = [
        instant,
        instant.astimezone(timezone(timedelta(hours=5))),
        instant.astimezone(london),
        datetime(2027, 10, 31, 1, 30, tzinfo=london),
        datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=london),
        None,
    ]
    return [
        {"id": first + n, "at": at, "flag": n % 2 == 0, "word": None if n % 3 else f"w{n % 4}"}
        for n, at in enumerate(values * 3)
    ]


async def test_bulk_rows_read_back_as_sqlalchemys_own(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
        await connection.execute(insert(SAMPLES), rows(0))
        await insert_new(connection, SAMPLES, rows(100))
    try:
        async with engine.connect() as connection:
            # The stored form itself (SQLite keeps a datetime as text), not what reads make of it.
            stored = (
                await connection.execute(
                    text("SELECT id, CAST(at AS TEXT), flag, word FROM bulk_samples ORDER BY id")
                )
            ).all()
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(METADATA.drop_all)
    own = [tuple(row)[1:] for row in stored if row[0] < 100]
    bulk = [tuple(row)[1:] for row in stored if row[0] >= 100]
    assert len(own) == 18
    assert bulk == own
    assert len({row[0] for row in own}) >= 4
