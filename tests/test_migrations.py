"""Alembic owns the schema: the core's history and each platform's go up and down cleanly,
match the models, and take over the platforms' tables an older database already holds."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.tables import slack_installations
from adapters.teams.tables import TeamsReferenceRow
from bot.storage.engine import (
    CORE,
    Schema,
    alembic_config,
    create_engine,
    current_revision,
    include_object,
    migrate,
    owned_by_others,
)
from bot.storage.tables import PollAnswerRow, PollCountRow
from crbot.platform_registry import platform_schemas
from tests.commandline import PLATFORM_PREFIXES, ROOT

TABLES = {"team_settings", "roles", "polls", "poll_answers", "walkthroughs", "reflections"}
PLATFORMS = platform_schemas()
PLATFORM_TABLES = {name for schema in PLATFORMS for name in schema.metadata.tables}
# slack-sdk stores naive UTC times.
INSTALLED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC).replace(tzinfo=None)


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def differences(connection: Connection, schema: Schema) -> list[object]:
    """What autogenerate would write for one history, as `crbot` runs it beside the others."""
    context = MigrationContext.configure(
        connection,
        opts={
            "version_table": schema.version_table,
            "include_object": include_object(owned_by_others(schema, PLATFORMS)),
        },
    )
    return list(compare_metadata(context, schema.metadata))


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(table_names)


async def test_migrations_go_up_and_down_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, platforms=PLATFORMS)
        assert await current_revision(engine) is not None
        assert await tables(engine) >= TABLES | PLATFORM_TABLES
        await migrate(engine, "base", down=True, platforms=PLATFORMS)
        assert await current_revision(engine) is None
        assert not (TABLES | PLATFORM_TABLES) & await tables(engine)
        await migrate(engine, platforms=PLATFORMS)
        await migrate(engine, platforms=PLATFORMS)
        assert await current_revision(engine) is not None
        for schema in PLATFORMS:
            assert await current_revision(engine, schema) is not None, schema.name
    finally:
        await engine.dispose()


async def test_the_platforms_tables_come_from_their_own_migrations_not_the_cores(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        assert not PLATFORM_TABLES & await tables(engine)
        await migrate(engine, platforms=PLATFORMS)
        assert await tables(engine) >= PLATFORM_TABLES
        # Taking the core back a step is the core's business: the platforms' tables stay.
        await migrate(engine, "-1", down=True, platforms=PLATFORMS)
        assert await tables(engine) >= PLATFORM_TABLES
    finally:
        await engine.dispose()


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, platforms=PLATFORMS)
        async with engine.connect() as connection:
            for schema in (CORE, *PLATFORMS):
                assert await connection.run_sync(differences, schema) == [], schema.name
    finally:
        await engine.dispose()


async def test_a_database_whose_platform_tables_the_core_made_keeps_their_rows(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        # Before the platforms kept their own histories, the core's 0002 and 0003 made these
        # tables exactly as the models declare them (its schema test compared them).
        await migrate(engine, "0008")
        async with engine.begin() as connection:
            for schema in PLATFORMS:
                await connection.run_sync(schema.metadata.create_all)
            await connection.execute(
                slack_installations.insert().values(
                    client_id="111.222",
                    app_id="A1",
                    team_id="T9",
                    user_id="U1",
                    bot_token="xoxb-kept",
                    is_enterprise_install=False,
                    installed_at=INSTALLED,
                )
            )
            await connection.execute(
                TeamsReferenceRow.__table__.insert().values(
                    tenant_id="teams:tenant",
                    conversation_id="19:general",
                    kind="channel",
                    reference="{}",
                    updated_at=datetime(2026, 11, 2, tzinfo=UTC),
                )
            )

        await migrate(engine, platforms=PLATFORMS)

        async with engine.connect() as connection:
            kept = (await connection.execute(select(slack_installations))).mappings().one()
            references = await connection.scalar(
                select(func.count()).select_from(TeamsReferenceRow.__table__)
            )
            for schema in (CORE, *PLATFORMS):
                assert await connection.run_sync(differences, schema) == [], schema.name
        assert (kept["team_id"], kept["bot_token"], kept["installed_at"]) == (
            "T9",
            "xoxb-kept",
            INSTALLED,
        )
        assert references == 1
        assert {await current_revision(engine, schema) for schema in PLATFORMS} == {
            "slack_0001",
            "teams_0001",
        }
    finally:
        await engine.dispose()


async def test_answers_on_record_are_counted_per_poll_and_value_when_the_counts_arrive(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0020")  # the last revision before the counts were kept
        answered = datetime(2026, 11, 2, tzinfo=UTC)
        rows = [("p1", "a", 4), ("p1", "b", 4), ("p1", "c", 0), ("p2", "a", 2)]
        async with engine.begin() as connection:
            await connection.execute(
                PollAnswerRow.__table__.insert(),
                [
                    {
                        "tenant_id": "t",
                        "poll_id": poll,
                        "respondent": who,
                        "value": value,
                        "answered_at": answered,
                    }
                    for poll, who, value in rows
                ],
            )

        await migrate(engine, platforms=PLATFORMS)

        async with engine.connect() as connection:
            counted = await connection.execute(
                select(PollCountRow.poll_id, PollCountRow.value, PollCountRow.answers)
            )
            assert sorted(counted.all()) == [("p1", 0, 1), ("p1", 4, 2), ("p2", 2, 1)]
    finally:
        await engine.dispose()


async def test_replicas_starting_together_on_an_empty_database_migrate_it_once(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite serves one process")
    env = {k: v for k, v in os.environ.items() if not k.startswith(PLATFORM_PREFIXES)}
    env["DATABASE_URL"] = database_url
    env["CRBOT_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "crbot", "db", "upgrade"]
    pipe = asyncio.subprocess.PIPE
    upgrades = [
        await asyncio.create_subprocess_exec(*command, env=env, cwd=ROOT, stdout=pipe, stderr=pipe)
        for _ in range(3)
    ]
    outcomes = [await asyncio.wait_for(upgrade.communicate(), 120) for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0, 0, 0], [
        err.decode()[-2000:] for _, err in outcomes
    ]
    engine = create_engine(database_url)
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await current_revision(engine) == head
    finally:
        await engine.dispose()
