"""The scheduler at scale: one wake-up, a fixed number of questions per tick, indexed queries,
and rollouts planned many at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.rollouts.plan import Circle, expand, parse_local
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.rollouts import NewRollout
from scheduler.leader import SoleLeadership
from scheduler.ledger import LedgerStore, Outcome
from scheduler.service import SchedulerService
from tests.conftest import FakePort, FrozenClock
from tests.test_scheduler_ledger import INTRO_DAY, TENANT, plan
from tests.test_scheduler_service import eventually, service_for


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while inside."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def wake_time(service: SchedulerService) -> datetime | None:
    """When the wake-up job is set for, as APScheduler has it."""
    assert service._scheduler is not None
    job = service._scheduler.get_job("wake")
    return job.next_run_time if job is not None else None


async def leading(
    core: Core, engine: AsyncEngine, url: str, port: FakePort, name: str
) -> SchedulerService:
    service = service_for(core, engine, url, port, name, SoleLeadership())
    await service.start()
    await asyncio.wait_for(service.leading.wait(), 60)
    assert service._first_tick is not None
    await service._first_tick
    return service


async def test_a_tick_asks_the_same_questions_for_one_rollout_as_for_twenty(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort
) -> None:
    await plan(core, channels=1)
    service = await leading(core, engine, database_url, port, "count")
    try:
        await service.tick()
        with statements(engine) as one:
            await service.tick()
        await plan(core, channels=19)
        await service.tick()
        with statements(engine) as twenty:
            await service.tick()
        assert one and len(twenty) == len(one)
        assert not port.sent
    finally:
        await service.stop()


async def test_one_wake_up_is_set_at_the_next_post_of_any_rollout(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort
) -> None:
    await plan(core, channels=3)
    service = await leading(core, engine, database_url, port, "one")
    try:
        due = await LedgerStore(engine).next_wake()
        assert due is not None and wake_time(service) == due
        assert {job.id for job in service._scheduler.get_jobs()} == {"sweep", "wake"}  # type: ignore[union-attr]
    finally:
        await service.stop()


async def test_a_plan_change_moves_the_wake_up_at_once(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort
) -> None:
    async def rollout(address: str, circle: str) -> str:
        return await core.services.rollouts.create(
            tenant=TENANT,
            address=address,
            timezone="Europe/London",
            circles=[Circle(1, parse_local(circle))],
            pack=core.services.packs["healthcare"].pack,
        )

    await rollout("C-later", "2027-04-20T09:00")
    service = await leading(core, engine, database_url, port, "move")
    try:
        first = wake_time(service)
        assert first is not None
        # A rollout starting sooner, planned through the core: the wake-up comes forward
        # without a tick or a sweep.
        sooner = await rollout("C-sooner", "2027-03-23T09:00")
        earlier = await LedgerStore(engine).next_wake()
        assert earlier is not None and earlier < first
        await eventually(lambda: wake_time(service) == earlier)
        # Cancelled, its posts no longer count: the wake-up goes back.
        await core.services.rollouts.store.set_status(TENANT, sooner, "cancelled")
        await eventually(lambda: wake_time(service) == first)
    finally:
        await service.stop()


async def test_a_paused_rollout_neither_wakes_the_sender_nor_is_claimed(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    (paused, running) = await plan(core, channels=2)
    ledger = LedgerStore(engine)
    both = await ledger.next_wake()
    await core.services.rollouts.store.set_status(TENANT, paused, "paused")
    await core.services.rollouts.store.replan(
        TENANT, running, [Circle(1, parse_local("2027-03-30T09:00"))], [], clock.now()
    )
    assert await ledger.next_wake() is None
    await core.services.rollouts.store.set_status(TENANT, paused, "active")
    assert await ledger.next_wake() == both
    clock.advance(**INTRO_DAY)
    await core.services.rollouts.store.set_status(TENANT, paused, "paused")
    assert await ledger.claim("a", clock.now(), 1000) == []


async def test_a_retry_is_the_next_wake_up_when_it_comes_first(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await plan(core)
    ledger = LedgerStore(engine)
    clock.advance(**INTRO_DAY)
    claimed = await ledger.claim("a", clock.now(), 1)
    retry_at = clock.now() + timedelta(minutes=3)
    outcome = Outcome(claimed[0].id, "planned", error="http_500", not_before=retry_at, attempts=1)
    await ledger.finish("a", [outcome], clock.now())
    later = clock.now() + timedelta(hours=1)
    await _move_unclaimed(engine, later)
    assert await ledger.next_wake() == retry_at


async def _move_unclaimed(engine: AsyncEngine, to: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            DeliveryRow.__table__.update()
            .where(DeliveryRow.not_before.is_(None), DeliveryRow.status == "planned")
            .values(due_at=to)
        )


async def plans_of(engine: AsyncEngine, rollout_id: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(
                DeliveryRow.kind,
                DeliveryRow.section,
                DeliveryRow.local_date,
                DeliveryRow.due_at,
                DeliveryRow.status,
                DeliveryRow.address,
            )
            .where(DeliveryRow.rollout_id == rollout_id)
            .order_by(DeliveryRow.due_at, DeliveryRow.kind)
        )
        return [tuple(row) for row in rows.all()]


async def test_rollouts_planned_many_at_once_are_stored_as_if_planned_one_by_one(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    pack = core.services.packs["healthcare"].pack
    circles = [
        Circle(1, parse_local("2027-03-23T09:00")),
        Circle(2, parse_local("2027-03-30T09:00")),
    ]
    calendar = core.services.rollouts.calendar()
    posts = expand(
        circles, "Europe/London", calendar, core.services.rollouts.cadence, pack, after=clock.now()
    )
    new = NewRollout(TENANT, "C0", "Europe/London", calendar, circles, None, posts)
    batch = await core.services.rollouts.store.create_many([new, new], clock.now())
    assert len(set(batch)) == 2
    # The same plan stored the other way, row by row with upserts (a re-plan).
    (single,) = await plan(core)
    await core.services.rollouts.store.replan(TENANT, single, circles, posts, clock.now())
    expected = await plans_of(engine, single)
    assert len(expected) == len(posts)
    assert [await plans_of(engine, rollout_id) for rollout_id in batch] == [expected, expected]
    stored = await core.services.rollouts.store.many([single, *batch])
    assert stored[batch[0]].circles == stored[batch[1]].circles == stored[single].circles


async def test_next_wake_and_claim_read_indexes_in_order_and_no_whole_table(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await plan(core, channels=3)
    ledger = LedgerStore(engine)
    postgres = engine.dialect.name == "postgresql"
    statements = [ledger.wake_query(), ledger.claim_statement("a", clock.now(), 1000)]
    async with engine.connect() as connection:
        if postgres:
            # With a handful of rows a scan is cheaper; the point is that the index serves.
            await connection.execute(text("SET enable_seqscan = off"))
        for statement in statements:
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
            transaction = await connection.begin_nested() if postgres else None
            plan_lines = [str(row[-1]) for row in await connection.execute(text(f"{prefix} {sql}"))]
            if transaction is not None:
                await transaction.rollback()
            joined = "\n".join(plan_lines)
            # Planned rows read in due order, retries from their own index: never every row,
            # and never all planned rows sorted.
            assert "ix_deliveries_status_due" in joined, joined
            assert "SCAN deliveries" not in joined and "Seq Scan" not in joined, joined
            assert "TEMP B-TREE FOR ORDER BY" not in joined, joined
            if statement is statements[1]:
                # The claim narrows by due time (or goes by id): with nothing due, it reads
                # nothing, rather than every planned row in due order.
                assert "(status=?)" not in joined, joined
