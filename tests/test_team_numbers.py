"""Drivers, agreements and asks are numbered within their team: what people see and type never
hints at another team's activity, and older rows are numbered in the order they were made."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.storage.engine import create_engine, migrate
from bot.storage.tables import AgreementRow, AskRow, DriverRow
from tests.conftest import Chat, FakePort

MADE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_a_new_teams_first_driver_question_and_agreement_are_each_number_one(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await chat.say("sam", "drivers add Short staffing")
    await chat.say("sam", "drivers add Late rotas")
    await chat.say("sam", "ask Why so many meetings?")
    await chat.say("sam", "agreements propose We assume good intent")
    other = Chat(core, port, tenant="test:other", channel="#ward")
    await core.services.team_settings.grant(other.tenant, "ola", "facilitator")

    added = await other.say("kit", "drivers add No breaks")
    proposed = await other.say("kit", "agreements propose We start on time")
    await other.say("kit", "ask Who decides the rota?")

    assert "Added anonymously as #1" in added.plain_text()
    assert "Proposed anonymously as #1" in proposed.plain_text()
    to, note = port.private[-1]
    assert to.user_id == "ola" and note.summary == "Question #1 from the team"
    assert "ask forward 1" in note.plain_text()
    # What a person types names their own team's item, never the other team's.
    sorted_reply = await other.say("kit", "drivers sort 1 mine")
    assert "Moved #1" in sorted_reply.plain_text()
    board = (await chat.say("sam", "drivers")).plain_text()
    assert "#1 Short staffing" in board and "No breaks" not in board
    assert "Not sorted yet" in board


async def test_items_added_at_once_in_one_team_get_distinct_numbers(core: Core) -> None:
    # Six at once: on PostgreSQL each waits for the counter row the one before it updated.
    drivers, now = core.services.drivers, core.services.clock.now()
    added = await asyncio.gather(
        *(drivers.add("test:team", "#c", f"driver {n}", "mine", f"p{n}", now) for n in range(6))
    )
    assert sorted(driver.number for driver in added) == [1, 2, 3, 4, 5, 6]


async def test_the_migration_numbers_older_rows_per_team_in_the_order_they_were_made(
    database_url: str,
) -> None:
    engine: AsyncEngine = create_engine(database_url)
    try:
        await migrate(engine, "0019")
        async with engine.begin() as connection:
            # Made out of id order: the second row inserted was made first.
            for tenant, minutes, text in (("t:a", 5, "a-later"), ("t:b", 1, "b"), ("t:a", 0, "a")):
                when = MADE.replace(minute=minutes)
                common = {"tenant_id": tenant, "place": "#c", "text": text, "created_at": when}
                await connection.execute(
                    insert(AskRow.__table__).values(
                        **common, alias="Question #9", status="new", reply_digest=None
                    )
                )
                await connection.execute(
                    insert(DriverRow.__table__).values(**common, category="mine")
                )
                await connection.execute(
                    insert(AgreementRow.__table__).values(**common, status="proposed")
                )

        await migrate(engine)

        async with engine.connect() as connection:
            for table in (AskRow, DriverRow, AgreementRow):
                rows = (
                    await connection.execute(
                        select(table.tenant_id, table.text, table.number).order_by(table.id)
                    )
                ).all()
                assert [tuple(row) for row in rows] == [
                    ("t:a", "a-later", 2),
                    ("t:b", "b", 1),
                    ("t:a", "a", 1),
                ], table.__tablename__
            aliases = (await connection.scalars(select(AskRow.alias).order_by(AskRow.id))).all()
            assert aliases == ["Question #2", "Question #1", "Question #1"]
    finally:
        await engine.dispose()


async def test_a_deleted_drivers_number_is_never_given_again(chat: Chat) -> None:
    await chat.say("sam", "drivers add Noise at the desk")
    await chat.say("sam", "privacy delete-me confirm")

    added = await chat.say("kim", "drivers add Rota published late")

    assert "Added anonymously as #2" in added.plain_text()
    gone = await chat.say("kim", "drivers sort 1 mine")
    assert "There's no driver #1" in gone.plain_text()
