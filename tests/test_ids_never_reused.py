"""Buttons and commands name drivers, agreements, asks, suggestions and reflections by id, so a
deleted item's id never names a newer one, on fresh databases and on ones upgraded from 0008."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, delete, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.storage.agreements import AgreementStore
from bot.storage.asks import AskStore
from bot.storage.base import Base
from bot.storage.drivers import DriverStore
from bot.storage.engine import create_engine, migrate, sessions
from bot.storage.walkthroughs import WalkthroughStore
from tests.conftest import Chat

TENANT = "shell:ids"
PLACE = "shell:#cohort"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMED_BY_ID = ("drivers", "agreements", "asks", "suggestions", "reflections")


async def _add_driver(store: async_sessionmaker[Any], words: str) -> None:
    await DriverStore(store).add(TENANT, PLACE, words, "unsorted", "author", NOW)


async def _add_agreement(store: async_sessionmaker[Any], words: str) -> None:
    await AgreementStore(store).propose(TENANT, PLACE, words, NOW)


async def _add_ask(store: async_sessionmaker[Any], words: str) -> None:
    await AskStore(store).add_ask(TENANT, PLACE, words, NOW, reply_digest="0" * 64)


async def _add_suggestion(store: async_sessionmaker[Any], words: str) -> None:
    await AskStore(store).add_suggestion(TENANT, "author", words, NOW, group_size=1000)


# Each reflection needs a step of its own: a second one on the same step replaces the first.
_steps = count(1)


async def _add_reflection(store: async_sessionmaker[Any], words: str) -> None:
    await WalkthroughStore(store).reflect(TENANT, "author", 1, next(_steps), words, NOW)


ADD: dict[str, Callable[[async_sessionmaker[Any], str], Awaitable[None]]] = {
    "drivers": _add_driver,
    "agreements": _add_agreement,
    "asks": _add_ask,
    "suggestions": _add_suggestion,
    "reflections": _add_reflection,
}


ADDED_AFTER_0008 = {"reply_digest", "author_token", "delivered_at", "number", "answer_post"}


def table(name: str) -> Table:
    return Base.metadata.tables[name]


async def add(engine: AsyncEngine, name: str, words: str) -> int:
    """Add an item through its store; the id is found by its words, unique in these tests."""
    await ADD[name](sessions(engine), words)
    async with engine.connect() as connection:
        found = await connection.scalar(select(table(name).c.id).where(table(name).c.text == words))
    assert isinstance(found, int)
    return found


# The columns each item had at 0008, as the code then inserted them: the stores now also give
# asks, drivers and agreements a per-team number, which a database at 0008 has no column for.
VALUES_AT_0008: dict[str, dict[str, Any]] = {
    "drivers": {"place": PLACE, "category": "unsorted"},
    "agreements": {"place": PLACE, "status": "proposed"},
    "asks": {"place": PLACE, "alias": "", "status": "new"},
    "suggestions": {"place": PLACE},
}


async def add_at_0008(engine: AsyncEngine, name: str, words: str) -> int:
    """Add an item as the code at 0008 did."""
    if name not in VALUES_AT_0008:
        return await add(engine, name, words)
    values = {"tenant_id": TENANT, "text": words, "created_at": NOW} | VALUES_AT_0008[name]
    async with engine.begin() as connection:
        result = await connection.execute(insert(table(name)).values(values))
    found = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert isinstance(found, int)
    return found


async def star_at_0008(engine: AsyncEngine, agreement_ids: list[int]) -> None:
    """Star each agreement once, as the code at 0008 did."""
    stars = [
        {"tenant_id": TENANT, "agreement_id": n, "voter": "voter", "created_at": NOW}
        for n in agreement_ids
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(table("agreement_stars")), stars)


async def remove(engine: AsyncEngine, name: str, item_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(table(name)).where(table(name).c.id == item_id))


async def rows(engine: AsyncEngine, name: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        # Only the columns a database at 0008 has: later migrations add some.
        columns = [c for c in table(name).c if c.name not in ADDED_AFTER_0008]
        result = await connection.execute(select(*columns).order_by(*table(name).primary_key))
        return [tuple(row) for row in result.all()]


def aliased_by_id(ask: tuple[Any, ...]) -> tuple[Any, ...]:
    """An ask's row as read by `rows`, its alias naming its id."""
    columns = [c.name for c in table("asks").c if c.name not in ADDED_AFTER_0008]
    alias = columns.index("alias")
    return (*ask[:alias], f"Question #{ask[0]}", *ask[alias + 1 :])


def schema(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every table's columns, key, indexes, unique constraints and foreign keys, as reflected.

    The key's name is left out: SQLite writes an AUTOINCREMENT key on its column, unnamed.
    """
    inspector = inspect(connection)
    return {
        name: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(name)
            ],
            "key": inspector.get_pk_constraint(name)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(name)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(name)
            ),
        }
        for name in inspector.get_table_names()
    }


def key_names(connection: Connection) -> dict[str, str | None]:
    inspector = inspect(connection)
    return {name: inspector.get_pk_constraint(name)["name"] for name in NAMED_BY_ID}


@pytest.mark.parametrize("name", NAMED_BY_ID)
async def test_deleting_the_newest_item_never_frees_its_id_for_the_next(
    engine: AsyncEngine, name: str
) -> None:
    used = [await add(engine, name, f"{name} item {n}") for n in range(1, 4)]
    await remove(engine, name, used[-1])
    newer = await add(engine, name, f"{name} item after the delete")
    assert newer > max(used)
    used.append(newer)
    await remove(engine, name, newer)
    assert await add(engine, name, f"{name} item after two deletes") > max(used)


async def test_an_old_driver_button_never_reaches_a_driver_added_after_it_was_deleted(
    chat: Chat,
) -> None:
    added = (await chat.say("sam", "drivers add Short staffing on weekends")).plain_text()
    assert "#1" in added
    await chat.say("sam", "privacy delete-me confirm")
    again = (await chat.say("kim", "drivers add Too many emails")).plain_text()
    assert "#2" in again
    # Sam's old message still carries `drivers sort 1 ...`: it finds nothing, not Kim's driver.
    assert "no driver #1" in (await chat.say("sam", "drivers sort 1 mine")).plain_text()


async def test_a_database_at_0008_upgrades_with_every_row_id_and_relation_intact(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0008")
        kept: dict[str, list[int]] = {}
        for name in NAMED_BY_ID:
            ids = [await add_at_0008(engine, name, f"{name} kept {n}") for n in range(1, 5)]
            await remove(engine, name, ids[1])
            kept[name] = [n for n in ids if n != ids[1]]
        await star_at_0008(engine, kept["agreements"])
        watched = (*NAMED_BY_ID, "agreement_stars")
        before = {name: await rows(engine, name) for name in watched}
        async with engine.connect() as connection:
            schema_before = await connection.run_sync(schema)
            keys_before = await connection.run_sync(key_names)

        await migrate(engine, "0009")

        assert {name: await rows(engine, name) for name in watched} == before
        async with engine.connect() as connection:
            assert await connection.run_sync(schema) == schema_before
        await migrate(engine)
        counted = await AgreementStore(sessions(engine)).of_place(TENANT, PLACE)
        assert [a.stars for a in counted] == [1] * len(before["agreements"])
        for name in NAMED_BY_ID:
            newest = max(row[0] for row in before[name])
            await remove(engine, name, newest)
            assert await add(engine, name, f"{name} after the upgrade") > newest
        after = {name: await rows(engine, name) for name in watched}

        await migrate(engine, "0008", down=True)
        # Going below 0020 an ask's alias names its id again, as it did at 0008.
        after["asks"] = [aliased_by_id(row) for row in after["asks"]]
        assert {name: await rows(engine, name) for name in watched} == after
        async with engine.connect() as connection:
            assert await connection.run_sync(schema) == schema_before
            assert await connection.run_sync(key_names) == keys_before
    finally:
        await engine.dispose()


async def test_fresh_sqlite_tables_from_the_models_and_the_migrations_agree_on_autoincrement(
    tmp_path: Path,
) -> None:
    def autoincremented(connection: Connection) -> set[str]:
        found = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
        )
        return {name for (name,) in found}

    migrated = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}")
    modelled = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'modelled.db'}")
    try:
        await migrate(migrated)
        async with modelled.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with migrated.connect() as connection:
            from_migrations = await connection.run_sync(autoincremented)
        async with modelled.connect() as connection:
            from_models = await connection.run_sync(autoincremented)
        assert from_migrations == from_models
        assert from_models >= set(NAMED_BY_ID)
    finally:
        await migrated.dispose()
        await modelled.dispose()
