"""`crbot doctor` reports the scheduler's sending lease: who holds it, in which term, for how
long, or why nobody may send (never taken, handed back, expired), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.checks import Check
from bot.settings import Settings
from bot.storage.engine import create_engine, migrate
from crbot import doctor
from crbot.platform_registry import platform_schemas
from scheduler.leader import LEASE_SECONDS, Lease


@pytest.fixture
async def migrated(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at the migration head where no scheduler has run yet."""
    engine = create_engine(database_url)
    await migrate(engine, platforms=platform_schemas())
    yield engine
    await engine.dispose()


async def lease_check(engine: AsyncEngine, tmp_path: Path) -> Check:
    """The doctor's line on the sending lease, from the full run an operator sees."""
    settings = Settings(data_dir=tmp_path, database_url=engine.url.render_as_string(False))
    (check,) = [c for c in await doctor.run_checks(settings) if c.name == "scheduler lease"]
    return check


def on_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def hand_back(engine: AsyncEngine, holder: str) -> None:
    """A term taken and handed back, as a replica stepping down leaves it."""
    lease = Lease(holder)
    assert await lease.take(engine)
    await lease.release(engine)


async def test_the_lease_line_names_the_holder_its_term_and_the_seconds_left(
    migrated: AsyncEngine, tmp_path: Path
) -> None:
    await hand_back(migrated, "replica-a")
    second = Lease("replica-b")
    assert await second.take(migrated)

    check = await lease_check(migrated, tmp_path)

    assert check.status == "ok"
    shown = re.fullmatch(r"held by replica replica-b in term 2, (\d+) s left", check.detail)
    assert shown is not None, check.detail
    assert 0 < int(shown.group(1)) <= LEASE_SECONDS


async def test_a_lease_handed_back_means_no_replica_may_send(
    migrated: AsyncEngine, tmp_path: Path
) -> None:
    await hand_back(migrated, "replica-a")

    check = await lease_check(migrated, tmp_path)

    found = "handed back by replica replica-a after term 1"
    if on_postgres(migrated):
        assert check.line() == (
            f"FAIL  scheduler lease: no replica may send: {found} -> fix: start `crbot run`; "
            "if it runs, look for 'sending lease' in its logs"
        )
    else:
        assert check.line() == (
            f"skip  scheduler lease: not held ({found}); `crbot run` takes it as it starts"
        )


async def test_an_expired_lease_says_how_long_ago_its_term_ran_out(
    migrated: AsyncEngine, tmp_path: Path
) -> None:
    # A term that ran out a minute and a half ago on the server's clock, never renewed.
    assert await Lease("replica-a", seconds=-90.0).take(migrated)

    check = await lease_check(migrated, tmp_path)

    assert check.status == ("FAIL" if on_postgres(migrated) else "skip")
    shown = re.search(r"term 1 of replica replica-a expired (\d+) s ago", check.detail)
    assert shown is not None, check.detail
    assert 90 <= int(shown.group(1)) < 90 + LEASE_SECONDS


async def test_a_lease_never_taken_fails_on_postgresql_where_a_replica_should_hold_it(
    migrated: AsyncEngine, tmp_path: Path
) -> None:
    check = await lease_check(migrated, tmp_path)

    assert "never taken: no scheduler has sent from this database yet" in check.detail
    assert check.status == ("FAIL" if on_postgres(migrated) else "skip")
