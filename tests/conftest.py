"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when configured), a frozen
clock, a recording port, and a ready core."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.core import Core, CoreOptions
from bot.messages import Buttons, Incoming, MessageRef, Person, Reply, Target
from bot.pseudonyms import Pseudonyms
from bot.services import Services
from bot.storage.engine import create_engine, migrate, sessions
from content.loader import LoadedPack, load_packs
from crbot.platform_registry import announce_platforms, platform_schemas
from tests.fakes.bot_connector import FakeBotConnector

POSTGRES_URL = os.environ.get("CRBOT_TEST_DATABASE_URL")
TEST_SECRET = b"test-pseudonym-secret-0123456789"


def database_params() -> list[object]:
    """SQLite always; PostgreSQL too when CRBOT_TEST_DATABASE_URL is set."""
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if POSTGRES_URL:
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


async def reset_postgres(url: str) -> None:
    """Empty the test database, so every test starts from nothing."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def registered_platforms() -> None:
    """Metrics and the scheduler know the registered platforms, as `runtime.start` tells them,
    for the tests that build a core without it."""
    announce_platforms()


async def worker_database(url: str) -> str:
    """The database this test process empties: under pytest-xdist each worker has one of its own
    beside the configured one (created on first use), so no worker drops another's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        exists = await connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}
        )
        if not exists:
            await connection.execute(text(f'CREATE DATABASE "{own}"'))
    await engine.dispose()
    return f"{server}/{own}"


_worker_urls: dict[str, str] = {}


@pytest.fixture(params=database_params())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each configured kind."""
    if request.param == "postgresql":
        assert POSTGRES_URL is not None
        configured = POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://", 1)
        if configured not in _worker_urls:
            _worker_urls[configured] = await worker_database(configured)
        url = _worker_urls[configured]
        await reset_postgres(url)
        yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once, copied for each test: most tests need the schema, and
    migrating anew costs a quarter of a second each."""
    path = tmp_path_factory.mktemp("migrated") / "crbot.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine, platforms=platform_schemas())
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
async def engine(database_url: str, migrated_sqlite: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated engine."""
    if database_url.startswith("sqlite"):
        shutil.copyfile(migrated_sqlite, database_url.split("///", 1)[1])
    engine = create_engine(database_url)
    # At head already for a copy; the migrations still run for PostgreSQL.
    await migrate(engine, platforms=platform_schemas())
    yield engine
    await engine.dispose()


class FrozenClock:
    """A clock that only moves when told."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        """The frozen time."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 2027-03-15 09:00 UTC."""
    return FrozenClock(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))


@dataclass
class FakePort:
    """A ChatPort that records every send, update, deletion and private message."""

    sent: list[tuple[Target, Reply]] = field(default_factory=list)
    updated: list[tuple[MessageRef, Reply]] = field(default_factory=list)
    deleted: list[MessageRef] = field(default_factory=list)
    private: list[tuple[Person, Reply]] = field(default_factory=list)
    # Who is in each channel, by address, for `members`.
    people: dict[str, list[str]] = field(default_factory=dict)
    # Display names by user id, for `person` (anyone else's lookup fails).
    names: dict[str, str] = field(default_factory=dict)

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        """Record a post."""
        self.sent.append((target, reply))
        return MessageRef(
            tenant=target.tenant, address=target.address, message_id=f"m{len(self.sent)}"
        )

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        """Record an update."""
        self.updated.append((ref, reply))

    async def delete(self, ref: MessageRef) -> None:
        """Record a deletion."""
        self.deleted.append(ref)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        """Record a private message."""
        self.private.append((person, reply))
        return MessageRef(tenant=person.tenant, address=person.user_id, message_id="dm")

    async def members(self, target: Target) -> list[Person]:
        """The people set for the channel."""
        found = self.people.get(target.address, [])
        return [Person(tenant=target.tenant, user_id=user) for user in found]

    async def person(self, tenant: str, user_id: str) -> Person:
        """The person by the name set for them; LookupError for anyone without one."""
        if user_id not in self.names:
            raise LookupError("no such user")
        return Person(tenant=tenant, user_id=user_id, display_name=self.names[user_id])


@pytest.fixture
def port() -> FakePort:
    """A fresh recording port."""
    return FakePort()


@pytest.fixture(scope="session")
def packs() -> dict[str, LoadedPack]:
    """The built-in packs, loaded once."""
    return load_packs()


def no_noise(bands: tuple[int, ...], epsilon: float) -> tuple[int, ...]:
    """The true band counts, so a test can state the figures a batch releases; the privacy
    tests use OpenDP's mechanism itself."""
    return bands


def build_core(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], **options: Any
) -> Core:
    """The test core; `options` change its `CoreOptions` (who facilitates, a reports folder).

    Releases carry no noise here unless a test asks for it, so figures can be asserted exactly.
    """
    defaults: dict[str, Any] = {
        "default_pack": "healthcare",
        "min_group_size": 3,
        "support_resources": "Call the EAP at 555-0100.",
        "role_bootstrap": {"fran": "facilitator"},
        "noise": no_noise,
    }
    return Core(
        Services(
            packs=packs,
            sessions=sessions(engine),
            pseudonyms=Pseudonyms(TEST_SECRET),
            clock=clock,
            options=CoreOptions(**{**defaults, **options}),
        )
    )


@pytest.fixture
async def core(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> AsyncIterator[Core]:
    """A core on a fresh database, healthcare pack, group size 3, one facilitator."""
    core = build_core(engine, clock, packs)
    yield core
    await core.services.settle()  # before the engine goes


@dataclass
class Chat:
    """Sends lines to the core as people in one team, like a circle in one channel."""

    core: Core
    port: FakePort
    tenant: str = "test:team"
    channel: str = "#circle"

    async def say(self, user: str, text: str, form: dict[str, str] | None = None) -> Reply:
        """One person types (or clicks) `text`."""
        incoming = Incoming(
            person=Person(tenant=self.tenant, user_id=user),
            place=Target(tenant=self.tenant, address=self.channel),
            text=text,
            form=form,
        )
        return await self.core.handle(incoming, self.port)

    async def press(
        self, user: str, reply: Reply, label: str, form: dict[str, str] | None = None
    ) -> Reply:
        """One person presses the button labelled `label` in `reply` (filling in its form)."""
        (button,) = [
            b
            for block in reply.blocks
            if isinstance(block, Buttons)
            for b in block.buttons
            if b.label == label
        ]
        return await self.say(user, button.command, form=form)


@pytest.fixture
def chat(core: Core, port: FakePort) -> Chat:
    """A team channel to talk in."""
    return Chat(core, port)


@pytest.fixture
async def bot_connector() -> AsyncIterator[FakeBotConnector]:
    """A fake Teams Bot Connector service on 127.0.0.1, recording what the bot sends."""
    connector = await FakeBotConnector().start()
    yield connector
    await connector.stop()


@pytest.fixture
async def connector_session() -> AsyncIterator[Any]:
    """The HTTP session a Teams port built in a test sends over, closed after it."""
    from adapters.teams.connector import ConnectorSession

    session = ConnectorSession()
    yield session
    await session.close()


@dataclass
class TeamsEndpoint:
    """The bot's web server with the Teams route, on 127.0.0.1, and a client to post activities."""

    url: str
    teams: Any
    client: aiohttp.ClientSession

    async def post(self, activity: dict[str, Any], token: str | None = None) -> int:
        """Post an activity to /api/messages as Teams would; returns the HTTP status."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.client.post(self.url, json=activity, headers=headers) as response:
            return response.status


@pytest.fixture
async def teams_endpoint(engine: AsyncEngine, core: Core) -> AsyncIterator[TeamsEndpoint]:
    """The Teams adapter with authentication off (local mode), served over real HTTP."""
    from adapters.teams.service import build_teams
    from bot.settings import Settings
    from crbot.web import build_app

    teams = build_teams(Settings(teams_enabled=True), core, engine)
    server = TestServer(build_app(engine, [teams.mount]), host="127.0.0.1", port=0)
    await server.start_server()
    async with aiohttp.ClientSession() as client:
        yield TeamsEndpoint(str(server.make_url("/api/messages")), teams, client)
    await server.close()
    await teams.stop()
