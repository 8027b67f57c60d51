"""The scheduler reports to the metrics registry and tags its log lines with the delivery id."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import logcontext, metrics
from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import MessageRef, Reply, Target
from bot.storage.ledger_tables import DeliveryRow
from scheduler.leader import SoleLeadership
from scheduler.limiter import Limiter, Limits, Rate
from scheduler.service import SchedulerService
from tests.conftest import FakePort, FrozenClock
from tests.test_scheduler_ledger import INTRO_DAY, FlakyPort, plan, sender_for
from tests.test_scheduler_service import eventually

# The test tenants (`test:team`) belong to no known platform.
PLATFORM = "other"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape() -> Samples:
    """Every sample, as /metrics serves them."""
    body, _ = metrics.exposition()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def delivered(before: Samples, after: Samples, outcome: str) -> float:
    return grew(before, after, "crbot_deliveries_total", platform=PLATFORM, outcome=outcome)


async def test_sends_retries_and_lag_are_counted_and_nothing_is_left_pending(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    port = FlakyPort(DeliveryError("ratelimited", permanent=False, retry_after=1), 1)
    await plan(core)
    sender = sender_for(core, engine, port)
    clock.advance(**INTRO_DAY, minutes=5)
    before = scrape()
    assert await sender.run_due() == 2
    after = scrape()
    # The intro (after one rate-limited try) and the facilitators' checklist were sent; the
    # pre-programme survey, due three days ago, was too late and counts as failed.
    assert delivered(before, after, "sent") == 2
    assert delivered(before, after, "retried") == 1
    assert delivered(before, after, "failed") == 1
    assert after[("crbot_deliveries_pending", ())] == 0
    assert after[("crbot_scheduler_lag_seconds", ())] == pytest.approx(300)


async def test_posts_given_up_count_as_retried_then_failed(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await plan(core, channels=2)
    port = FlakyPort(DeliveryError("http_503", permanent=False), 100)
    clock.advance(**INTRO_DAY)
    before = scrape()
    await sender_for(core, engine, port, max_attempts=2).run_due()
    after = scrape()
    # Each intro: one retry, then given up; each pre-programme survey was missed.
    assert delivered(before, after, "retried") == 2
    assert delivered(before, after, "failed") == 2 + 2


async def test_a_cohort_paused_by_a_permanent_error_counts_as_failed(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await plan(core)
    port = FlakyPort(DeliveryError("channel_not_found", permanent=True), 100)
    clock.advance(**INTRO_DAY)
    before = scrape()
    await sender_for(core, engine, port).run_due()
    after = scrape()
    assert delivered(before, after, "failed") == 1 + 1  # the intro, and the missed survey
    assert delivered(before, after, "retried") == 0
    assert after[("crbot_deliveries_pending", ())] == 0  # a paused cohort's posts wait


class ChattyPort(FakePort):
    """Logs a line while it sends, as an adapter does."""

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        logging.getLogger("tests.adapter").info("posting")
        return await super().send(target, reply)


async def test_every_line_logged_during_a_delivery_carries_its_row_id(
    core: Core, engine: AsyncEngine, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(logcontext.ContextFilter())
    caplog.set_level(logging.INFO, logger="tests.adapter")
    await plan(core)
    clock.advance(**INTRO_DAY)
    await sender_for(core, engine, ChattyPort()).run_due()
    async with engine.connect() as connection:
        intro = await connection.scalar(select(DeliveryRow.id).where(DeliveryRow.kind == "intro"))
    posting = [r for r in caplog.records if r.name == "tests.adapter"]
    assert [getattr(r, "delivery_id", None) for r in posting] == [str(intro)]


async def test_the_limiter_counts_its_waits_by_platform() -> None:
    limiter = Limiter({"slack": Limits(channel=Rate(50.0, 1.0), workspace=None)})
    before = scrape()
    for _ in range(3):
        async with limiter.turn("slack:T1", "C1"):
            pass
    after = scrape()
    assert grew(before, after, "crbot_rate_limit_waits_total", platform="slack") == 2
    assert grew(before, after, "crbot_rate_limit_wait_seconds_total", platform="slack") >= 0.03


async def test_the_leader_flag_is_up_while_this_process_runs_the_scheduler(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort
) -> None:
    leadership = SoleLeadership()
    service = SchedulerService(
        sender=sender_for(core, engine, port),
        database_url=database_url,
        leadership=leadership,
        name="metrics",
        campaign_every=0.05,
    )
    await service.start()
    try:
        await eventually(service.leading.is_set)
        assert scrape()[("crbot_scheduler_leader", ())] == 1
    finally:
        await service.stop()
    assert scrape()[("crbot_scheduler_leader", ())] == 0
