"""Moving a team between installations: everything but what is about individual people."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import transfer
from bot.storage.base import Base
from bot.storage.engine import create_engine, migrate, sessions
from bot.storage.team_settings import TeamSettingsStore
from crbot.platform_registry import platform_schemas
from tests.commandline import crbot as run_crbot
from tests.commandline import local_environment
from tests.conftest import Chat


async def test_an_export_carries_releases_and_roles_but_no_answers_counts_or_words(
    chat: Chat, engine: AsyncEngine, tmp_path: Path
) -> None:
    await chat.core.services.team_settings.grant(chat.tenant, "lou", "leader")
    for user, value in (("a", 1), ("b", 4), ("c", 4)):
        await chat.say(user, f"checkin {value}")
    await chat.say("a", "scenario 1")
    await chat.say("a", "reflect a private thought")
    await chat.say("a", "ask a private question")
    document = await transfer.export_team(engine, chat.tenant)
    text = transfer.dumps(document)
    assert set(document["tables"]) == set(transfer.TABLES)
    # The release's noisy band counts (no noise in tests), never the exact counts per answer.
    (kept,) = document["tables"]["poll_releases"]
    assert kept["counts"] == "1,0,2" and kept["respondents"] == 3 and kept["version"] == 1
    assert not {"poll_tallies", "poll_actors", "poll_answers"} & set(document["tables"])
    # A release says how many responded ("respondents"); no column names who did.
    pseudonyms = [chat.core.services.pseudonyms.of(chat.tenant, user) for user in "abc"]
    for secret in ("private thought", "private question", '"respondent"', "author", *pseudonyms):
        assert secret not in text
    assert all(name not in document["tables"] for name in transfer.NEVER_EXPORTED)

    other = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await migrate(other)
        added = await transfer.import_team(other, json.loads(text))
        assert added["roles"] == 1 and added["poll_releases"] == 1 and added["team_settings"] == 1
        again = await transfer.import_team(other, json.loads(text))
        assert set(again.values()) == {0}
        tables = transfer._table
        async with other.connect() as connection:
            answers = await connection.scalar(select(func.count()).select_from(tables("polls")))
        assert answers == 1
    finally:
        await other.dispose()


def test_every_table_is_moved_kept_from_export_or_left_with_its_installation() -> None:
    platforms = platform_schemas()
    local = transfer.local_tables(platforms)
    classified = [*transfer.TABLES, *transfer.NEVER_EXPORTED, *local]
    assert len(classified) == len(set(classified))
    platform_tables = {name for schema in platforms for name in schema.metadata.tables}
    assert platform_tables and platform_tables <= set(local)
    assert set(classified) == set(Base.metadata.tables) | platform_tables


async def test_the_board_and_agreements_move_without_who_wrote_or_starred_them(
    chat: Chat, engine: AsyncEngine, tmp_path: Path
) -> None:
    await chat.say("sam", "drivers add Noise at the desk")
    await chat.say("sam", "drivers sort 1 mine")
    await chat.say("sam", "agreements propose We listen first")
    await chat.say("kim", "agreements star 1")
    await chat.say("fran", "agreements agree 1")
    document = await transfer.export_team(engine, chat.tenant)
    [driver] = document["tables"]["drivers"]
    [agreement] = document["tables"]["agreements"]
    assert driver["text"] == "Noise at the desk" and driver["category"] == "mine"
    assert "author_token" not in driver and "id" not in driver
    assert agreement["status"] == "agreed" and "agreement_stars" not in document["tables"]

    other = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await migrate(other)
        first = await transfer.import_team(other, document)
        again = await transfer.import_team(other, document)
        assert first["drivers"] == 1 and first["agreements"] == 1
        assert again["drivers"] == 0 and again["agreements"] == 0
        moved = await transfer.export_team(other, chat.tenant)
        assert moved["tables"]["drivers"] == document["tables"]["drivers"]
        assert moved["tables"]["agreements"] == document["tables"]["agreements"]
    finally:
        await other.dispose()


async def test_an_import_into_each_database_kind_round_trips(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    source = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'source.db'}")
    try:
        await migrate(source)
        teams = TeamSettingsStore(sessions(source))
        await teams.ensure("slack:T9", "schools", 4, datetime(2027, 1, 4, tzinfo=UTC))
        await teams.grant("slack:T9", "U7", "facilitator")
        document = await transfer.export_team(source, "slack:T9")
    finally:
        await source.dispose()
    added = await transfer.import_team(engine, document)
    assert added["roles"] == 1 and added["team_settings"] == 1
    assert await transfer.export_team(engine, "slack:T9") == document


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"format": "something else"}, "not a crbot team export"),
        ({"format": transfer.FORMAT, "tenant": "t", "tables": {"poll_answers": []}}, "does not"),
        (
            {"format": transfer.FORMAT, "tenant": "t", "tables": {"roles": [{"tenant_id": "u"}]}},
            "another tenant",
        ),
    ],
)
async def test_a_bad_export_is_refused_with_a_reason(
    engine: AsyncEngine, document: dict[str, object], problem: str
) -> None:
    with pytest.raises(transfer.TransferError, match=problem):
        await transfer.import_team(engine, document)


def test_export_and_import_from_the_command_line(tmp_path: Path) -> None:
    def crbot(data: str, *args: str, script: str = "") -> subprocess.CompletedProcess[str]:
        return run_crbot(local_environment(tmp_path / data), *args, script=script)

    crbot("old", "roles", "grant", "--team", "ward", "fran", "facilitator")
    crbot("old", "shell", "--user", "a", "--team", "ward", script="checkin 3\n")
    exported = crbot("old", "export", "--team", "ward", str(tmp_path / "ward.json"))
    assert exported.returncode == 0, exported.stderr
    # One answer is below the group size: the poll moves, with no release yet.
    assert (
        "exported shell:ward: team_settings 1, roles 1, polls 1, poll_releases 0,"
        in exported.stdout
    )
    imported = crbot("new", "import", str(tmp_path / "ward.json"))
    assert imported.returncode == 0, imported.stderr
    assert "roles 1" in imported.stdout
    assert "facilitators: fran" in crbot("new", "roles", "list", "--team", "ward").stdout
    (tmp_path / "broken.json").write_text("{not json")
    broken = crbot("new", "import", str(tmp_path / "broken.json"))
    assert broken.returncode == 2
    assert "cannot import" in broken.stderr


async def test_an_export_made_before_the_settings_table_was_renamed_still_imports(
    engine: AsyncEngine,
) -> None:
    document = {
        "format": transfer.FORMAT,
        "tenant": "shell:old",
        "tables": {
            "teams": [
                {
                    "tenant_id": "shell:old",
                    "pack": "schools",
                    "min_group_size": 6,
                    "current_section": 4,
                    "support_resources": None,
                    "created_at": {"$datetime": "2026-01-05T09:00:00+00:00"},
                }
            ]
        },
    }

    added = await transfer.import_team(engine, document)

    assert added["team_settings"] == 1


async def test_an_export_made_before_team_numbers_gets_them_in_its_order(
    chat: Chat, engine: AsyncEngine, tmp_path: Path
) -> None:
    await chat.say("sam", "drivers add Noise at the desk")
    await chat.say("sam", "drivers add Late rotas")
    document = await transfer.export_team(engine, chat.tenant)
    for row in document["tables"]["drivers"]:
        del row["number"]
    other = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await migrate(other)
        await transfer.import_team(other, document)
        moved = await transfer.export_team(other, chat.tenant)
        numbers = {row["text"]: row["number"] for row in moved["tables"]["drivers"]}
        assert numbers == {"Noise at the desk": 1, "Late rotas": 2}
    finally:
        await other.dispose()
