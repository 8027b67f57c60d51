"""The async engine, its SQLite pragmas, and applying migrations at start.

The core's tables have one Alembic history (`migrations/versions`, version table
`alembic_version`); each chat platform keeps its own tables with a history of its own, in its
adapter's folder. The composition root hands the platforms' `Schema`s to `migrate`, so the core
never needs to know which platforms exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.storage.base import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a SQLite writer waits for another before giving up, in seconds.
SQLITE_BUSY_TIMEOUT = 10
# The advisory lock migrations take on PostgreSQL (the scheduler's leader lock uses another key).
MIGRATION_LOCK_KEY = 0x63726D67  # "crmg"
# The scheduler's job store owns its own table, outside every history.
UNOWNED_TABLES = frozenset({"apscheduler_jobs"})


@dataclass(frozen=True)
class Schema:
    """Tables with their own Alembic history: the core's, or one platform's."""

    name: str
    metadata: MetaData
    versions: Path
    version_table: str
    # Tables holding a person's platform id that are records of work, not about how anyone is
    # doing, and why each is kept (checked beside `bot.storage.personal.WORK_RECORDS`).
    work_records: Mapping[str, str] = field(default_factory=dict)

    @property
    def owned(self) -> frozenset[str]:
        """Every table this history makes, its version table included."""
        return frozenset({*self.metadata.tables, self.version_table})


def platform_schema(
    name: str, metadata: MetaData, versions: Path, work_records: Mapping[str, str] | None = None
) -> Schema:
    """A platform's schema, its history kept in a version table of its own."""
    return Schema(name, metadata, versions, f"alembic_version_{name}", work_records or {})


CORE = Schema("core", Base.metadata, MIGRATIONS / "versions", "alembic_version")


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite files get WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sessions(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """A session factory whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def include_object(others: frozenset[str]) -> Callable[..., bool]:
    """Alembic's filter for one schema: tables other histories own are none of its business."""

    def include(_object: Any, name: str | None, type_: str, *_: Any) -> bool:
        return not (type_ == "table" and (name in UNOWNED_TABLES or name in others))

    return include


def owned_by_others(schema: Schema, platforms: Sequence[Schema]) -> frozenset[str]:
    """The tables the other histories in the database (the core's, the platforms') own."""
    histories = (CORE, *platforms)
    return frozenset().union(*(other.owned for other in histories if other.name != schema.name))


def alembic_config(schema: Schema = CORE, platforms: Sequence[Schema] = ()) -> Config:
    """Alembic's configuration for one schema's history; `platforms` are the other schemas in
    the same database, whose tables it leaves alone."""
    config = Config()
    # One environment (env.py) serves every schema; only the versions and the tables differ.
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(schema.versions))
    config.attributes["schema"] = schema
    config.attributes["include_object"] = include_object(owned_by_others(schema, platforms))
    return config


async def migrate(
    engine: AsyncEngine,
    revision: str = "head",
    *,
    down: bool = False,
    platforms: Sequence[Schema] = (),
) -> None:
    """Upgrade (or downgrade) the core's schema to `revision`, and every platform's with it.

    Upgrading takes each platform to its head, after the core. Downgrading leaves the platforms'
    tables alone unless the core goes to `base`: then they go first, and the database is empty.
    """

    def step(connection: Connection, schema: Schema, target: str) -> None:
        config = alembic_config(schema, platforms)
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, target)
        else:
            command.upgrade(config, target)

    def run(connection: Connection) -> None:
        if down:
            if revision == "base":
                for schema in reversed(platforms):
                    step(connection, schema, "base")
            step(connection, CORE, revision)
            return
        step(connection, CORE, revision)
        for schema in platforms:
            step(connection, schema, "head")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas started together would each create the same tables; the first to take
            # this lock migrates, the others wait for its commit and then find nothing to do.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(run)


async def current_revision(engine: AsyncEngine, schema: Schema = CORE) -> str | None:
    """A schema's migration level (the core's by default), or None before its first migration."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        context = MigrationContext.configure(
            connection, opts={"version_table": schema.version_table}
        )
        return context.get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
