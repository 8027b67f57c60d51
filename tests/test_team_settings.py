"""Team settings and roles: remembered for a few seconds, forgotten at once on a local change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import sessions
from bot.storage.tables import TeamSettingsRow
from bot.storage.team_settings import TeamSettingsStore

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


async def test_many_first_requests_at_once_make_one_team(engine: AsyncEngine) -> None:
    stores = [TeamSettingsStore(sessions(engine)) for _ in range(8)]
    teams = await asyncio.gather(*(s.ensure("slack:T1", "schools", 5, NOW) for s in stores))
    assert {team.pack for team in teams} == {"schools"}
    async with sessions(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(TeamSettingsRow))
    assert count == 1


async def test_a_change_through_the_store_is_seen_at_once(engine: AsyncEngine) -> None:
    teams = TeamSettingsStore(sessions(engine))
    await teams.ensure("slack:T1", "schools", 5, NOW)
    assert await teams.roles_of("slack:T1", "U1") == {"staff"}
    await teams.set_min_group_size("slack:T1", 7)
    await teams.grant("slack:T1", "U1", "facilitator")
    assert (await teams.ensure("slack:T1", "schools", 5, NOW)).min_group_size == 7
    assert await teams.roles_of("slack:T1", "U1") == {"staff", "facilitator"}
    await teams.revoke("slack:T1", "U1", "facilitator")
    assert await teams.roles_of("slack:T1", "U1") == {"staff"}


async def test_a_change_from_elsewhere_is_seen_once_the_memory_expires(
    engine: AsyncEngine,
) -> None:
    bot = TeamSettingsStore(sessions(engine), cache_seconds=0.2)
    command_line = TeamSettingsStore(sessions(engine))
    await bot.ensure("slack:T1", "schools", 5, NOW)
    assert await bot.roles_of("slack:T1", "U1") == {"staff"}
    await command_line.grant("slack:T1", "U1", "leader")
    await command_line.set_current_section("slack:T1", 4)
    # Within the window the bot answers from memory, without asking the database...
    assert await bot.roles_of("slack:T1", "U1") == {"staff"}
    await asyncio.sleep(0.3)
    # ...and after it, from the database.
    assert await bot.roles_of("slack:T1", "U1") == {"staff", "leader"}
    assert (await bot.ensure("slack:T1", "schools", 5, NOW)).current_section == 4


async def test_one_tenants_change_keeps_the_others_remembered(engine: AsyncEngine) -> None:
    teams = TeamSettingsStore(sessions(engine))
    elsewhere = TeamSettingsStore(sessions(engine))
    await teams.ensure("slack:T1", "schools", 5, NOW)
    await teams.ensure("slack:T2", "schools", 5, NOW)
    await elsewhere.set_min_group_size("slack:T2", 9)
    await teams.set_min_group_size("slack:T1", 6)
    assert (await teams.ensure("slack:T1", "schools", 5, NOW)).min_group_size == 6
    assert (await teams.ensure("slack:T2", "schools", 5, NOW)).min_group_size == 5
