"""The ledger's history: settled rows kept CRBOT_DELIVERY_HISTORY_DAYS, then counted and pruned."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.settings import load_settings
from bot.storage.ledger_tables import DeliveryRow
from scheduler import history as history_module
from scheduler.history import History
from scheduler.leader import SoleLeadership
from tests.conftest import FakePort, FrozenClock
from tests.test_scheduler_ledger import plan, sender_for
from tests.test_scheduler_service import service_for

KEEP = timedelta(days=30)


async def rows(engine: AsyncEngine) -> list[tuple[int, str, str, str]]:
    """Every ledger row: id, rollout, kind, status."""
    async with engine.connect() as connection:
        found = await connection.execute(
            select(
                DeliveryRow.id, DeliveryRow.rollout_id, DeliveryRow.kind, DeliveryRow.status
            ).order_by(DeliveryRow.id)
        )
        return [tuple(row) for row in found.all()]  # type: ignore[misc]


async def age(engine: AsyncEngine, ids: list[int], status: str, days: int) -> None:
    """Give rows a status and move them `days` into the past."""
    async with engine.begin() as connection:
        for row_id in ids:
            due = await connection.scalar(
                select(DeliveryRow.due_at).where(DeliveryRow.id == row_id)
            )
            assert due is not None
            await connection.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row_id)
                .values(status=status, due_at=due - timedelta(days=days))
            )


def test_the_history_is_half_a_year_unless_configured() -> None:
    assert load_settings().delivery_history_days == 180
    assert load_settings(delivery_history_days=45).delivery_history_days == 45


async def test_settled_rows_older_than_the_history_are_counted_then_deleted(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    first, second = await plan(core, channels=2)
    ledger = await rows(engine)
    ours = [row for row in ledger if row[1] == first]
    # Old and settled: pruned. Old but uncertain, or still planned: kept. Recent and sent: kept.
    sent, missed, unsure, waiting, recent = ours[0], ours[1], ours[2], ours[3], ours[4]
    await age(engine, [sent[0]], "sent", 60)
    await age(engine, [missed[0]], "missed", 60)
    await age(engine, [unsure[0]], "uncertain", 60)
    await age(engine, [waiting[0]], "planned", 60)
    await age(engine, [recent[0]], "sent", 1)
    pruned = await History(engine, KEEP).prune(clock.now())
    assert (pruned.rows, pruned.summaries) == (2, 2)
    left = {row[0] for row in await rows(engine)}
    assert sent[0] not in left and missed[0] not in left
    assert {unsure[0], waiting[0], recent[0]} <= left
    assert len(left) == len(ledger) - 2
    summary = await History(engine, KEEP).summary(first)
    assert summary == {(sent[2], "sent"): 1, (missed[2], "missed"): 1}
    assert await History(engine, KEEP).summary(second) == {}


async def test_pruning_again_adds_to_what_a_rollout_had(
    core: Core, engine: AsyncEngine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    (rollout_id,) = await plan(core)
    ledger = await rows(engine)
    kinds = Counter(kind for _, _, kind, _ in ledger)
    # Small chunks: one pruning makes several transactions, each adding to the summary.
    monkeypatch.setattr(history_module, "CHUNK", 3)
    history = History(engine, KEEP)
    half = len(ledger) // 2
    await age(engine, [row[0] for row in ledger[:half]], "sent", 800)
    assert (await history.prune(clock.now())).rows == half
    await age(engine, [row[0] for row in ledger[half:]], "sent", 800)
    assert (await history.prune(clock.now())).rows == len(ledger) - half
    assert await rows(engine) == []
    summary = await history.summary(rollout_id)
    assert summary == {(kind, "sent"): count for kind, count in kinds.items()}


async def test_a_pruned_post_is_not_sent_again_when_the_plan_changes(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    (rollout_id,) = await plan(core)
    sender = sender_for(core, engine, port, grace=timedelta(days=400))
    clock.advance(days=40)
    assert await sender.run_due() > 0
    sent = len(port.sent)
    assert (await History(engine, timedelta(days=7)).prune(clock.now())).rows > 0
    # A facilitator changes the plan: every post of it is offered again, the pruned ones too.
    record = await core.services.rollouts.store.get("test:team", rollout_id)
    assert record is not None
    posts = await core.services.rollouts.posts(record, core.services.packs["healthcare"].pack)
    await core.services.rollouts.store.replan(
        "test:team", rollout_id, list(record.circles), posts, clock.now()
    )
    await sender.run_due()
    assert len(port.sent) == sent


async def test_the_leader_prunes_the_history_when_it_takes_the_lead(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort
) -> None:
    (rollout_id,) = await plan(core)
    old, _, kind, _ = (await rows(engine))[0]
    await age(engine, [old], "sent", 365)
    service = service_for(core, engine, database_url, port, "pruner", SoleLeadership())
    service.history = History(engine, KEEP)
    await service.start()
    try:
        await asyncio.wait_for(service.leading.wait(), 60)
        assert service._scheduler is not None
        assert service._scheduler.get_job("history") is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while old in {row[0] for row in await rows(engine)}:
            assert loop.time() < deadline, "the history was not pruned"
            await asyncio.sleep(0.02)
        assert await service.history.summary(rollout_id) == {(kind, "sent"): 1}
    finally:
        await service.stop()
