"""Roles from CRBOT_FACILITATORS and CRBOT_LEADERS hold in one tenant each, never in all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import ErrorCode
from bot.roles import RoleBootstrap
from bot.rollouts import posts
from bot.rollouts.leaders import leaders_of
from bot.settings import ConfigError, Settings
from bot.storage.engine import create_engine, migrate, sessions
from bot.storage.team_settings import TeamSettingsStore
from bot.wording import kind_reply
from content.loader import LoadedPack
from crbot import runtime
from tests.commandline import crbot, local_environment
from tests.conftest import TEST_SECRET, Chat, FakePort, FrozenClock, build_core

NOT_ALLOWED = "That's something only a facilitator or leader can do here."
TEAMS_TENANT = "teams:72f988bf-86f1-41af-91ab-2d7cd011db47"


async def add_tenants(engine: AsyncEngine, *tenants: str) -> None:
    """Teams the bot has already met, oldest first."""
    store = TeamSettingsStore(sessions(engine))
    for minute, tenant in enumerate(tenants):
        await store.ensure(tenant, "healthcare", 5, datetime(2027, 1, 1, 9, minute, tzinfo=UTC))


def settings_for(database_url: str, tmp_path: Path, **roles: str) -> Settings:
    """A bot on the test database, with roles given in configuration."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        pseudonym_secret=TEST_SECRET.decode(),
        **roles,  # type: ignore[arg-type]
    )


@pytest.fixture
async def started() -> AsyncIterator[list[runtime.Runtime]]:
    """Bots started with `runtime.start`, closed afterwards."""
    bots: list[runtime.Runtime] = []
    yield bots
    for bot in bots:
        await bot.close()


def test_a_qualified_entry_names_its_tenant_and_a_plain_one_none() -> None:
    bootstrap = RoleBootstrap.parse(
        f"slack:T123:U456, {TEAMS_TENANT}:29:1abc, shell:ward-7:fran, U9, 29:1plain", "slack:T1:U1"
    )

    async def look() -> list[Any]:
        return [
            await bootstrap.roles("slack:T123", "U456"),
            await bootstrap.roles(TEAMS_TENANT, "29:1abc"),
            await bootstrap.roles("shell:ward-7", "fran"),
            await bootstrap.roles("slack:T999", "U456"),
            await bootstrap.holders("slack:T1", "leader"),
            await bootstrap.holders("slack:T123", "leader"),
        ]

    found = asyncio.run(look())

    assert found == [
        {"facilitator"},
        {"facilitator"},
        {"facilitator"},
        frozenset(),
        ("U1",),
        (),
    ]


def test_a_person_in_both_lists_holds_both_roles() -> None:
    bootstrap = RoleBootstrap.parse("slack:T1:U1", "slack:T1:U1")
    assert asyncio.run(bootstrap.roles("slack:T1", "U1")) == {"facilitator", "leader"}


@pytest.mark.parametrize(
    ("facilitators", "leaders", "variable"),
    [("slack:T123", "", "CRBOT_FACILITATORS"), ("", "slack:T1:", "CRBOT_LEADERS")],
)
def test_an_entry_with_a_tenant_but_no_user_is_refused_naming_its_variable(
    facilitators: str, leaders: str, variable: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        RoleBootstrap.parse(facilitators, leaders)
    assert str(refused.value).startswith(f"{variable}: ")
    assert "<tenant>:<user>, e.g. slack:T123:U456" in str(refused.value)


async def test_plain_ids_are_refused_at_start_up_when_two_workspaces_exist(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_tenants(engine, "slack:T1", "slack:T2")

    with pytest.raises(ConfigError) as refused:
        await runtime.start(settings_for(database_url, tmp_path, facilitators="slack:T1:U7,U1"))

    message = str(refused.value)
    assert message.startswith("CRBOT_FACILITATORS: plain user ids ")
    assert "<tenant>:<user>, e.g. slack:T123:U456" in message
    assert "\n" not in message and "U1" not in message


def test_crbot_run_refuses_plain_ids_among_two_workspaces_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()

    async def prepare() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{data / 'crbot.db'}")
        await migrate(engine)
        await add_tenants(engine, "slack:T1", "slack:T2")
        await engine.dispose()

    asyncio.run(prepare())
    env = local_environment(data) | {
        "SLACK_BOT_TOKEN": "xoxb-not-used",
        "SLACK_SIGNING_SECRET": "not-used",
        "CRBOT_PSEUDONYM_SECRET": TEST_SECRET.decode(),
        "CRBOT_LEADERS": "U1",
    }

    result = crbot(env, "run")

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("crbot: configuration error: CRBOT_LEADERS: plain user ids ")


async def test_qualified_ids_are_refused_nowhere_and_start_with_many_tenants(
    database_url: str, engine: AsyncEngine, tmp_path: Path, started: list[runtime.Runtime]
) -> None:
    await add_tenants(engine, "slack:T1", "slack:T2")
    settings = settings_for(database_url, tmp_path, leaders="slack:T2:U2")

    started.append(bot := await runtime.start(settings))

    assert await bot.core.services.roles_of("slack:T2", "U2") == {"staff", "leader"}
    assert await bot.core.services.roles_of("slack:T1", "U2") == {"staff"}


def two_workspaces(core: Core, port: FakePort) -> tuple[Chat, Chat]:
    """The same channel name in two Slack workspaces."""
    return Chat(core, port, "slack:T1", "C1"), Chat(core, port, "slack:T2", "C1")


@pytest.fixture
def configured(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], port: FakePort
) -> Callable[..., tuple[Core, Chat, Chat]]:
    """A core given roles as the two variables would list them, and two workspaces to talk in."""

    def build(facilitators: str, leaders: str = "") -> tuple[Core, Chat, Chat]:
        bootstrap = RoleBootstrap.parse(facilitators, leaders)
        core = build_core(engine, clock, packs, role_bootstrap=bootstrap)
        return (core, *two_workspaces(core, port))

    return build


async def test_a_qualified_facilitator_may_report_in_their_workspace_only(
    configured: Callable[..., tuple[Core, Chat, Chat]],
) -> None:
    _, first, second = configured("slack:T1:U1")

    allowed = await first.say("U1", "report")
    refused = await second.say("U1", "report")

    assert NOT_ALLOWED not in allowed.plain_text()
    assert refused == kind_reply(ErrorCode.NOT_ALLOWED)
    assert NOT_ALLOWED in refused.plain_text()


async def test_the_fan_outs_include_a_qualified_id_in_its_tenant_only(
    configured: Callable[..., tuple[Core, Chat, Chat]],
) -> None:
    core, first, second = configured("slack:T1:U1", "slack:T1:L1")
    for chat, creator in ((first, "U8"), (second, "U9")):
        await core.services.team_settings.grant(chat.tenant, creator, "facilitator")
        reply = await chat.say(creator, "schedule 1 2027-03-23 09:00 Europe/London")
        assert "Section 1's circle is set" in reply.plain_text()
    ours = await core.services.rollouts.store.for_place("slack:T1", "C1")
    theirs = await core.services.rollouts.store.for_place("slack:T2", "C1")
    assert ours is not None and theirs is not None

    assert await core.services.holders("slack:T1", "facilitator") == ["U1", "U8"]
    assert await core.services.holders("slack:T2", "facilitator") == ["U9"]
    assert await leaders_of(core.services, "slack:T1") == ["L1"]
    assert await leaders_of(core.services, "slack:T2") == []
    assert await posts.facilitators(core.services, ours) == ["U1", "U8"]
    assert await posts.facilitators(core.services, theirs) == ["U9"]


async def test_an_anonymous_question_reaches_only_the_facilitators_of_its_workspace(
    configured: Callable[..., tuple[Core, Chat, Chat]], port: FakePort
) -> None:
    _, first, second = configured("slack:T1:U1,slack:T2:U2")

    await second.say("sam", "ask Could we have a quiet room?")

    assert [(person.tenant, person.user_id) for person, _ in port.private] == [("slack:T2", "U2")]
    await first.say("sam", "ask Could we talk about breaks?")
    assert [person.user_id for person, _ in port.private] == ["U2", "U1"]


async def test_a_plain_id_holds_in_the_one_tenant_the_database_has(
    database_url: str, engine: AsyncEngine, tmp_path: Path, started: list[runtime.Runtime]
) -> None:
    await add_tenants(engine, "slack:T1")
    started.append(
        bot := await runtime.start(settings_for(database_url, tmp_path, facilitators="U1"))
    )
    chat = Chat(bot.core, FakePort(), "slack:T1", "C1")

    reply = await chat.say("U1", "section 2")

    assert "The team is now on Section 2." in reply.plain_text()
    assert await bot.core.services.holders("slack:T1", "facilitator") == ["U1"]


async def test_a_second_tenant_that_appears_later_never_gets_a_plain_ids_role(
    database_url: str,
    tmp_path: Path,
    started: list[runtime.Runtime],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(database_url, tmp_path, facilitators="U1", leaders="L1")
    started.append(bot := await runtime.start(settings))
    port = FakePort()
    first, second = two_workspaces(bot.core, port)

    with caplog.at_level(logging.INFO, logger="bot.roles"):
        assert "Section 2" in (await first.say("U1", "section 2")).plain_text()
        assert NOT_ALLOWED in (await second.say("U1", "section 2")).plain_text()
        assert NOT_ALLOWED in (await second.say("U1", "report")).plain_text()
        assert await bot.core.services.holders("slack:T2", "facilitator") == []
        assert await leaders_of(bot.core.services, "slack:T2") == []

    assert await bot.core.services.holders("slack:T1", "facilitator") == ["U1"]
    assert await leaders_of(bot.core.services, "slack:T1") == ["L1"]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert getattr(warnings[0], "tenant", None) == "slack:T2"
    for record in caplog.records:
        assert "U1" not in record.getMessage() and "L1" not in record.getMessage()
        assert "U1" not in str(vars(record).values())


async def test_a_later_start_keeps_the_plain_ids_in_the_first_tenant(
    database_url: str, engine: AsyncEngine, tmp_path: Path, started: list[runtime.Runtime]
) -> None:
    # Two tenants in the database by now: plain ids are refused rather than guessed at.
    await add_tenants(engine, "slack:T1")
    settings = settings_for(database_url, tmp_path, facilitators="U1")
    started.append(bot := await runtime.start(settings))
    await Chat(bot.core, FakePort(), "slack:T2", "C1").say("sam", "help")

    with pytest.raises(ConfigError, match=r"^CRBOT_FACILITATORS: plain user ids"):
        await runtime.start(settings)


async def test_configured_roles_cost_no_query_per_request_once_the_tenant_is_known(
    database_url: str, engine: AsyncEngine, tmp_path: Path, started: list[runtime.Runtime]
) -> None:
    await add_tenants(engine, "slack:T1")
    plain = await runtime.start(settings_for(database_url, tmp_path, facilitators="U1"))
    bare = await runtime.start(settings_for(database_url, tmp_path))
    started.extend([plain, bare])
    counted: list[int] = []

    async def queries(bot: runtime.Runtime) -> int:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        chat = Chat(bot.core, FakePort(), "slack:T1", "C1")
        await chat.say("U1", "help")  # fills the team and roles caches
        event.listen(bot.engine.sync_engine, "before_cursor_execute", count)
        try:
            for _ in range(3):
                await chat.say("U1", "help")
        finally:
            event.remove(bot.engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    for bot in (plain, bare):
        counted.append(await queries(bot))

    assert counted[0] == counted[1]
    assert "facilitator" in await plain.core.services.roles_of("slack:T1", "U1")


def test_the_shell_gives_plain_ids_their_roles_in_its_team(tmp_path: Path) -> None:
    env = local_environment(tmp_path) | {"CRBOT_FACILITATORS": "fran"}

    result = crbot(env, "shell", "--user", "fran", "--team", "ward-7", script="section 2\n")

    assert result.returncode == 0, result.stderr
    assert "The team is now on Section 2." in result.stdout
