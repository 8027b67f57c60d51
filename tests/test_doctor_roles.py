"""`crbot doctor` warns about every team with nobody to read its questions (no facilitator) or
to answer them (no leader), whether roles are stored or configured, and says how to fix it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.checks import Check
from bot.settings import Settings
from bot.storage.engine import create_engine, migrate
from bot.storage.tables import AskRow, RoleRow, TeamSettingsRow
from crbot import doctor
from crbot.platform_registry import platform_schemas
from tests.commandline import crbot, local_environment

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)


async def add_teams(
    url: str, *tenants: str, roles: tuple[tuple[str, str, str], ...] = (), migrated: bool = True
) -> None:
    """Teams as the bot makes them on first contact, roles as `crbot roles grant` stores them."""
    engine = create_engine(url)
    try:
        if not migrated:
            await migrate(engine, platforms=platform_schemas())
        async with engine.begin() as connection:
            await connection.execute(
                insert(TeamSettingsRow),
                [
                    {
                        "tenant_id": tenant,
                        "pack": "healthcare",
                        "min_group_size": 5,
                        "current_section": 1,
                        "created_at": NOW,
                    }
                    for tenant in tenants
                ],
            )
            if roles:
                await connection.execute(
                    insert(RoleRow),
                    [{"tenant_id": t, "user_id": u, "role": r} for t, u, r in roles],
                )
    finally:
        await engine.dispose()


@pytest.fixture
async def migrated(database_url: str) -> str:
    """A database at the migration head."""
    engine = create_engine(database_url)
    await migrate(engine, platforms=platform_schemas())
    await engine.dispose()
    return database_url


def settings_for(url: str, tmp_path: Path, facilitators: str = "", leaders: str = "") -> Settings:
    return Settings(data_dir=tmp_path, database_url=url, facilitators=facilitators, leaders=leaders)


def role_checks(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.name == "roles"]


async def test_a_team_with_neither_role_gets_a_warning_for_each_with_the_command_that_fixes_it(
    migrated: str, tmp_path: Path
) -> None:
    await add_teams(migrated, "slack:T1")

    checks = role_checks(await doctor.run_checks(settings_for(migrated, tmp_path)))

    assert [check.status for check in checks] == ["warn", "warn"]
    facilitator, leader = checks
    assert "slack:T1 has no facilitator" in facilitator.detail
    assert "crbot roles grant --team slack:T1 <user id> facilitator" in facilitator.fix
    assert "CRBOT_FACILITATORS" in facilitator.fix
    assert "slack:T1 has no leader" in leader.detail
    assert "crbot roles grant --team slack:T1 <user id> leader" in leader.fix
    assert "-> fix: crbot roles grant" in leader.line()


async def test_only_the_teams_missing_a_role_are_named(migrated: str, tmp_path: Path) -> None:
    await add_teams(
        migrated,
        "slack:T1",
        "slack:T2",
        "teams:abc",
        roles=(
            ("slack:T1", "fran", "facilitator"),
            ("slack:T1", "lou", "leader"),
            ("slack:T2", "flo", "facilitator"),
        ),
    )
    # The Teams tenant's roles come from configuration, qualified with its tenant id.
    settings = settings_for(
        migrated, tmp_path, facilitators="teams:abc:29:1fran", leaders="teams:abc:29:1lou"
    )

    checks = role_checks(await doctor.run_checks(settings))

    assert [(check.status, check.detail) for check in checks] == [
        ("warn", "slack:T2 has no leader, so questions forwarded to leaders go unanswered")
    ]


async def test_a_plain_configured_id_counts_in_the_installations_one_team(
    migrated: str, tmp_path: Path
) -> None:
    await add_teams(migrated, "shell:ward")
    settings = settings_for(migrated, tmp_path, facilitators="fran", leaders="lou")

    checks = role_checks(await doctor.run_checks(settings))

    assert [check.line() for check in checks] == [
        "ok    roles: every team (1) has a facilitator and a leader"
    ]


async def test_the_warning_counts_the_questions_waiting_for_a_facilitator(
    migrated: str, tmp_path: Path
) -> None:
    await add_teams(migrated, "slack:T1", roles=(("slack:T1", "lou", "leader"),))
    engine = create_engine(migrated)
    async with engine.begin() as connection:
        await connection.execute(
            insert(AskRow),
            [
                {
                    "tenant_id": "slack:T1",
                    "place": "C1",
                    "number": n,
                    "alias": f"Question #{n}",
                    "text": "A question",
                    "status": "new",
                    "created_at": NOW,
                }
                for n in (1, 2)
            ],
        )
    await engine.dispose()

    (check,) = role_checks(await doctor.run_checks(settings_for(migrated, tmp_path)))

    assert check.detail == "slack:T1 has no facilitator, so 2 questions wait unread"


async def test_no_teams_yet_is_nothing_to_warn_about(migrated: str, tmp_path: Path) -> None:
    checks = role_checks(await doctor.run_checks(settings_for(migrated, tmp_path)))

    assert [check.status for check in checks] == ["skip"]


def test_crbot_doctor_prints_the_warnings_and_still_exits_zero(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crbot.db'}"
    asyncio.run(add_teams(url, "shell:ward", migrated=False))

    result = crbot(local_environment(tmp_path) | {"DATABASE_URL": url}, "doctor")

    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    expected = "warn  roles: shell:ward has no facilitator, so its questions wait unread -> fix: "
    assert any(line.startswith(expected) for line in lines)
    # Two missing roles, and no support resources named for the team.
    assert lines[-1].endswith("checks, 3 warnings")


async def test_many_teams_without_roles_are_listed_only_up_to_a_screenful(
    migrated: str, tmp_path: Path
) -> None:
    await add_teams(migrated, *(f"slack:T{n:02}" for n in range(11)))

    checks = role_checks(await doctor.run_checks(settings_for(migrated, tmp_path)))

    assert len(checks) == 21
    assert checks[0].detail.startswith("slack:T00 has no facilitator")
    assert checks[-1].detail == "2 more missing roles"


async def test_plain_configured_ids_with_several_teams_fail_as_start_up_would(
    migrated: str, tmp_path: Path
) -> None:
    await add_teams(migrated, "slack:T1", "slack:T2")

    (check,) = role_checks(
        await doctor.run_checks(settings_for(migrated, tmp_path, facilitators="fran"))
    )

    assert check.status == "FAIL"
    assert check.detail.startswith("CRBOT_FACILITATORS: plain user ids cannot say")
    assert "<tenant>:<user>" in check.fix
