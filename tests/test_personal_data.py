"""Every store that holds something about a person declares it, and privacy acts on all of them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.storage import transfer
from bot.storage.base import Base
from bot.storage.personal import (
    PERSON_COLUMNS,
    WORK_RECORDS,
    PersonalData,
    declared_columns,
    declared_tables,
)
from crbot.platform_registry import platform_schemas
from tests.conftest import Chat


def test_every_table_with_a_persons_column_is_declared_by_a_store_or_kept_as_a_work_record() -> (
    None
):
    columns = declared_columns()
    about_people = {
        table.name
        for table in Base.metadata.sorted_tables
        if PERSON_COLUMNS
        & {column.name for column in table.columns} - columns.get(table.name, set())
    }
    undeclared = about_people - declared_tables() - set(WORK_RECORDS)
    assert about_people  # the check looks at real tables
    assert undeclared == set(), f"declare these in a PersonalData store: {sorted(undeclared)}"


def test_every_platform_table_with_a_persons_column_says_why_it_is_kept() -> None:
    schemas = platform_schemas()
    about_people = {
        (schema.name, table.name)
        for schema in schemas
        for table in schema.metadata.sorted_tables
        if PERSON_COLUMNS & {column.name for column in table.columns}
    }
    explained = {(schema.name, table) for schema in schemas for table in schema.work_records}
    assert about_people  # the check looks at real tables
    assert about_people == explained


def test_every_declared_store_is_one_the_services_hold(core: Core) -> None:
    held = {type(store) for store in core.services.personal}
    assert held == set(PersonalData.declared)


def test_nothing_a_store_declares_is_ever_exported() -> None:
    assert declared_tables() <= set(transfer.NEVER_EXPORTED)
    assert not declared_tables() & set(transfer.TABLES)
    for table, columns in declared_columns().items():
        assert columns <= transfer.SKIPPED_COLUMNS.get(table, set()), table


async def test_show_me_names_every_store_and_delete_me_leaves_no_row_of_the_person(
    core: Core, chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("fran", "checkin")
    for line in (
        "checkin 4",
        "scenario 1",
        "reflect I noticed I was rushing",
        "drivers add Short staffing",
        "agreements propose We assume good intent",
        "agreements star 1",
        "checkin reminders off",
        "suggest A quiet room",
    ):
        await chat.say("sam", line)

    shown = (await chat.say("sam", "privacy show-me")).plain_text()
    for store in core.services.personal:
        for line in await store.held_about(
            chat.tenant, core.services.pseudonyms.of(chat.tenant, "sam")
        ):
            assert line in shown
    assert "Suggestions waiting for enough people to write: 1" in shown

    done = (await chat.say("sam", "privacy delete-me confirm")).plain_text()
    assert "1 suggestion(s) waiting to be shared" in done
    person = core.services.pseudonyms.of(chat.tenant, "sam")
    for store in core.services.personal:
        assert all(
            line.split(":")[1].strip().startswith(("0", "none", "on"))
            for line in await store.held_about(chat.tenant, person)
        ), type(store).__name__
    async with engine.connect() as connection:
        answers = await connection.scalar(
            select(func.count()).select_from(Base.metadata.tables["poll_answers"])
        )
    assert answers == 0
