"""The scheduler service: APScheduler in the leader wakes the sender; a replica takes over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Person
from bot.rollouts.leaders import schedule_follow_up
from bot.rollouts.plan import Circle, parse_local
from content.loader import LoadedPack
from scheduler.leader import AdvisoryLeadership, Lease, SoleLeadership
from scheduler.ledger import LedgerStore
from scheduler.limiter import Limiter
from scheduler.sender import Sender
from scheduler.service import SchedulerService, job_store_url
from tests.conftest import FakePort, FrozenClock, build_core
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
    core: Core,
    engine: AsyncEngine,
    url: str,
    port: FakePort,
    name: str,
    leadership: object,
    ledger: LedgerStore | None = None,
) -> SchedulerService:
    sender = Sender(
        services=core.services,
        ledger=ledger or LedgerStore(engine),
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


class RealClock:
    """The wall clock, which APScheduler fires its jobs by."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


class SlowLookAhead(LedgerStore):
    """A ledger whose look for the next wake-up takes a while, as on a busy database."""

    async def next_wake(self) -> datetime | None:
        """The next wake-up, found slowly."""
        found = await super().next_wake()
        await asyncio.sleep(LOOK_AHEAD_SECONDS)
        return found


LOOK_AHEAD_SECONDS = 1.0


async def test_a_post_due_as_the_last_wake_up_ends_is_sent_without_waiting_for_the_sweep(
    engine: AsyncEngine, database_url: str, packs: dict[str, LoadedPack], port: FakePort
) -> None:
    core = build_core(engine, RealClock(), packs)  # type: ignore[arg-type]
    services = core.services
    rollout_id = await services.rollouts.create(
        tenant="test:team",
        address="#circle",
        timezone="UTC",
        circles=[Circle(1, parse_local("2030-01-07T09:00"))],
        pack=services.packs["healthcare"].pack,
    )
    rollout = await services.rollouts.store.get("test:team", rollout_id)
    assert rollout is not None
    # The second falls due while the run that sent the first still looks for the next wake-up,
    # so the wake-up it sets is already due while that run goes on.
    first = datetime.now(UTC) + timedelta(seconds=2 * LOOK_AHEAD_SECONDS)
    for number, due in enumerate((first, first + timedelta(seconds=LOOK_AHEAD_SECONDS / 2))):
        local = due.replace(tzinfo=None)
        person = Person(tenant="test:team", user_id="ULEAD")
        await schedule_follow_up(services, rollout, person, 1, local, f"Post {number}")
    slow = SlowLookAhead(engine)
    service = service_for(core, engine, database_url, port, "solo", SoleLeadership(), slow)
    service.sweep_every = 3600.0  # the sweep would find it within the hour
    await service.start()
    try:
        await eventually(lambda: len(port.sent) == 2)
    finally:
        await service.stop()
