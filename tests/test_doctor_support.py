"""`crbot doctor` warns when staff would be pointed only to the generic support line after a low
check-in answer: no support resources for the installation and none for the team."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from bot.checks import Check
from bot.settings import Settings
from bot.storage.engine import create_engine
from bot.storage.tables import TeamSettingsRow
from crbot import doctor
from tests.test_doctor_roles import add_teams, migrated  # noqa: F401 (a fixture)


def support_checks(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.name == "support"]


async def test_teams_with_no_support_resources_are_named_with_the_fix(
    migrated: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    await add_teams(migrated, "slack:T1", "slack:T2")
    engine = create_engine(migrated)
    async with engine.begin() as connection:
        await connection.execute(
            update(TeamSettingsRow)
            .where(TeamSettingsRow.tenant_id == "slack:T2")
            .values(support_resources="EAP 555-0100; crisis line 555-0199")
        )
    await engine.dispose()

    settings = Settings(data_dir=tmp_path, database_url=migrated)
    (check,) = support_checks(await doctor.run_checks(settings))
    assert check.status == "warn" and "1 team(s)" in check.detail
    assert "slack:T1" in check.detail and "slack:T2" not in check.detail
    assert "CRBOT_SUPPORT_RESOURCES" in check.fix and "crbot support set TEAM TEXT" in check.fix


async def test_an_installation_that_names_its_support_warns_about_no_team(
    migrated: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    await add_teams(migrated, "slack:T1")
    settings = Settings(
        data_dir=tmp_path, database_url=migrated, support_resources="EAP on 555-0100."
    )
    (check,) = support_checks(await doctor.run_checks(settings))
    assert check.status == "ok"
