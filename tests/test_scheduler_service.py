"""The scheduler service: APScheduler in the leader wakes the sender; a replica takes over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from scheduler.leader import AdvisoryLeadership, Lease, SoleLeadership
from scheduler.ledger import LedgerStore
from scheduler.limiter import Limiter
from scheduler.sender import Sender
from scheduler.service import SchedulerService, job_store_url
from tests.conftest import FakePort, FrozenClock
from tests.test_scheduler_ledger import INTRO_DAY, plan

DEADLINE = 60.0


async def eventually(condition: Callable[[], bool]) -> None:
    """Poll until `condition` holds, or fail at the deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not condition():
        assert loop.time() < end, "condition not met before the deadline"
        await asyncio.sleep(0.01)


def service_for(
    core: Core, engine: AsyncEngine, url: str, port: FakePort, name: str, leadership: object
) -> SchedulerService:
    sender = Sender(
        services=core.services,
        ledger=LedgerStore(engine),
        ports={"test": port},
        instance=name,
        # A replica that dies never hands its lease back: the next one waits it out, briefly.
        lease=Lease(name, seconds=2.0, margin=0.5, renew_after=0.3),
        limiter=Limiter({}),
    )
    return SchedulerService(
        sender=sender,
        database_url=url,
        leadership=leadership,  # type: ignore[arg-type]
        name=name,
        campaign_every=0.05,
    )


def test_the_job_store_uses_sync_drivers_and_a_file_of_its_own_beside_sqlite() -> None:
    assert job_store_url("sqlite+aiosqlite:////tmp/crbot.db") == "sqlite:////tmp/crbot.jobs.db"
    assert job_store_url("sqlite+aiosqlite://") == "sqlite://"
    assert job_store_url("postgresql+asyncpg://u@h/db") == "postgresql+psycopg://u@h/db"


async def test_the_leader_sends_what_is_due_and_keeps_one_wake_up_job(
    core: Core,
    engine: AsyncEngine,
    database_url: str,
    port: FakePort,
    clock: FrozenClock,
) -> None:
    (rollout_id,) = await plan(core)
    clock.advance(**INTRO_DAY)
    service = service_for(core, engine, database_url, port, "solo", SoleLeadership())
    await service.start()
    try:
        await eventually(lambda: len(port.sent) == 1)
        jobs = create_engine(job_store_url(database_url))

        def job_ids() -> set[str]:
            with jobs.connect() as connection:
                rows = connection.execute(text("SELECT id FROM apscheduler_jobs"))
                return {row[0] for row in rows}

        try:
            loop = asyncio.get_running_loop()
            end = loop.time() + DEADLINE
            while await asyncio.to_thread(job_ids) != {"sweep", "wake"}:
                assert loop.time() < end
                await asyncio.sleep(0.01)
        finally:
            jobs.dispose()
        # A second wake-up (the job firing again) sends nothing new.
        await service.tick(rollout_id)
        assert len(port.sent) == 1
    finally:
        await service.stop()


async def test_another_replica_takes_over_when_the_leader_dies(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort, clock: FrozenClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("leader election is PostgreSQL's (SQLite serves one process)")
    first_lock, second_lock = AdvisoryLeadership(database_url), AdvisoryLeadership(database_url)
    first = service_for(core, engine, database_url, port, "first", first_lock)
    second = service_for(core, engine, database_url, port, "second", second_lock)
    await first.start()
    await asyncio.wait_for(first.leading.wait(), DEADLINE)
    await second.start()
    try:
        assert await second_lock.acquire() is False and not second.leading.is_set()
        # The leader's process dies: its session ends, PostgreSQL frees the lock.
        assert first._task is not None
        first._task.cancel()
        await first_lock._drop()
        await asyncio.wait_for(second.leading.wait(), DEADLINE)
        assert await first_lock.holds() is False
        (rollout_id,) = await plan(core)
        clock.advance(**INTRO_DAY)
        await second.tick(rollout_id)
        assert len(port.sent) == 1
    finally:
        await second.stop()
        await first.stop()
