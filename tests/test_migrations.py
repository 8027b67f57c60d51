"""Alembic owns the schema: it goes up and down cleanly and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage.engine import create_engine, current_revision, migrate
from bot.storage.tables import Base

TABLES = {"team_settings", "roles", "polls", "poll_answers", "walkthroughs", "reflections"}


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrations_go_up_and_down_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        assert await current_revision(engine) is not None
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) >= TABLES
        await migrate(engine, "base", down=True)
        assert await current_revision(engine) is None
        async with engine.connect() as connection:
            assert not TABLES & await connection.run_sync(table_names)
        await migrate(engine)
        await migrate(engine)
        assert await current_revision(engine) is not None
    finally:
        await engine.dispose()


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection)
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
