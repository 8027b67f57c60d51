"""The ledger sender: each planned post exactly once, retries, pauses, misses and recovery."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core, CoreOptions
from bot.errors import DeliveryError
from bot.messages import MessageRef, Reply, Target
from bot.pseudonyms import Pseudonyms
from bot.rollouts import uncertain
from bot.rollouts.plan import Circle, parse_local
from bot.rollouts.posts import checklist_done
from bot.services import Services
from bot.storage.engine import create_engine, sessions
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from scheduler.ledger import LedgerStore
from scheduler.limiter import Limiter
from scheduler.sender import Sender
from tests.conftest import TEST_SECRET, FakePort, FrozenClock

TENANT = "test:team"
# The clock fixture starts on Monday 15 March 2027; a circle on Tuesday 23 March puts the
# introduction and the facilitators' checklist on Friday 19 March at 09:00 (London = UTC then).
INTRO_DAY = {"days": 4}


def sender_for(
    core: Core, engine: AsyncEngine, port: object, instance: str = "a", **options: object
) -> Sender:
    async def sleep(seconds: float) -> None:
        core.services.clock.advance(seconds=seconds)  # type: ignore[attr-defined]

    return Sender(
        services=core.services,
        ledger=LedgerStore(engine),
        ports={"test": port},  # type: ignore[dict-item]
        instance=instance,
        limiter=Limiter({}),
        sleep=sleep,
        **options,  # type: ignore[arg-type]
    )


async def plan(core: Core, channels: int = 1) -> list[str]:
    ids = []
    for number in range(channels):
        ids.append(
            await core.services.rollouts.create(
                tenant=TENANT,
                address=f"C{number}",
                timezone="Europe/London",
                circles=[Circle(1, parse_local("2027-03-23T09:00"))],
                pack=core.services.packs["healthcare"].pack,
            )
        )
    return ids


async def test_a_post_is_sent_once_when_the_job_fires_twice(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core)
    sender = sender_for(core, engine, port)
    assert await sender.run_due() == 0
    clock.advance(**INTRO_DAY)
    results = await asyncio.gather(sender.run_due(), sender.run_due())
    assert sorted(results) == [0, 2]
    assert await sender.run_due() == 0
    assert [reply.summary for _, reply in port.sent] == [
        "Coming up: Section 1, Compassion in action"
    ]
    # The checklist nudge goes privately to the configured facilitator; the pre-programme
    # survey three days ago is reported as missed, not posted late.
    checklists = [p.user_id for p, reply in port.private if "Circle for Section 1" in reply.summary]
    assert checklists == ["fran"]
    counts = await LedgerStore(engine).counts()
    assert (counts["sent"], counts["missed"]) == (2, 1)


async def test_a_week_of_posts_goes_out_in_order_with_a_check_in_poll_that_works(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await core.services.team_settings.grant(TENANT, "lee", "leader")
    await plan(core)
    sender = sender_for(core, engine, port, grace=timedelta(days=30))
    clock.advance(days=16)
    await sender.run_due()
    summaries = {reply.summary for _, reply in port.sent}
    assert {"A short survey", "Coming up: Section 1, Compassion in action"} <= summaries
    assert {"Visual reminder: Compassion in action", "Today's prompt"} <= summaries
    assert any(person.user_id == "lee" for person, _ in port.private)
    poll = await core.services.polls.current(TENANT, "C0")
    assert poll is not None and poll.message_id is not None
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    ticked = await checklist_done(core.services, rollout, core.services.packs["healthcare"].pack, 1)
    assert ticked and set(ticked.values()) == {"bot"}


class FlakyPort(FakePort):
    """Fails the first `failures` sends with the given error."""

    def __init__(self, error: DeliveryError, failures: int) -> None:
        super().__init__()
        self.error = error
        self.failures = failures
        self.attempts = 0

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error
        return await super().send(target, reply)


@pytest.mark.parametrize(
    ("error", "failures"),
    [
        (DeliveryError("ratelimited", permanent=False, retry_after=30), 5),
        (DeliveryError("http_500", permanent=False), 4),
    ],
    ids=["a 429 storm", "server errors"],
)
async def test_transient_errors_retry_with_backoff_and_send_once(
    core: Core, engine: AsyncEngine, clock: FrozenClock, error: DeliveryError, failures: int
) -> None:
    port = FlakyPort(error, failures)
    await plan(core)
    sender = sender_for(core, engine, port)
    clock.advance(**INTRO_DAY)
    started = clock.now()
    await sender.run_due()
    assert port.attempts == failures + 1 and len(port.sent) == 1
    waited = (clock.now() - started).total_seconds()
    assert waited >= (error.retry_after or 2) * failures
    assert (await LedgerStore(engine).counts())["sent"] == 2


async def test_a_post_that_keeps_failing_is_given_up_after_its_attempts(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    port = FlakyPort(DeliveryError("http_503", permanent=False), 100)
    await plan(core)
    sender = sender_for(core, engine, port, max_attempts=3)
    clock.advance(**INTRO_DAY)
    await sender.run_due()
    assert port.attempts == 3 and (await LedgerStore(engine).counts())["failed"] == 1
    assert any("stopped trying" in reply.plain_text() for _, reply in port.private)


async def test_a_removed_channel_pauses_the_cohort_tells_facilitators_and_loses_nothing(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    port = FlakyPort(DeliveryError("channel_not_found", permanent=True), 1)
    (rollout_id,) = await plan(core)
    sender = sender_for(core, engine, port)
    clock.advance(**INTRO_DAY)
    await sender.run_due()
    rollout = await core.services.rollouts.store.get(TENANT, rollout_id)
    assert rollout is not None and rollout.status == "paused"
    assert rollout.paused_reason == "channel_not_found"
    told = [reply for person, reply in port.private if "paused the rollout" in reply.plain_text()]
    assert len(told) == 1 and not port.sent
    await core.services.rollouts.store.set_status(TENANT, rollout_id, "active")
    await sender.run_due()
    assert len(port.sent) == 1


async def test_posts_beyond_the_grace_window_are_reported_not_sent_late(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core)
    sender = sender_for(core, engine, port, grace=timedelta(hours=2))
    clock.advance(days=4, hours=3)
    await sender.run_due()
    assert not port.sent
    assert (await LedgerStore(engine).counts())["missed"] == 3
    (told,) = [r.plain_text() for _, r in port.private if "make these 3 posts" in r.plain_text()]
    # Each is named, in the team's zone, not just counted.
    assert told.count("planned for ") == 3 and "(Europe/London)" in told


class LookupPort(FakePort):
    """A port whose platform can find a keyed post again."""

    def __init__(self, known: set[str]) -> None:
        super().__init__()
        self.known = known

    async def delivered(self, target: Target, key: str) -> MessageRef | None:
        if key in self.known:
            return MessageRef(tenant=target.tenant, address=target.address, message_id="found")
        return None


async def stale_rows(engine: AsyncEngine, core: Core, clock: FrozenClock) -> list[str]:
    ledger = LedgerStore(engine)
    claimed = await ledger.claim("dead", clock.now(), 10)
    return [row.key for row in claimed]


async def test_a_crash_between_send_and_mark_is_settled_by_looking_the_post_up(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await plan(core)
    clock.advance(**INTRO_DAY)
    keys = await stale_rows(engine, core, clock)
    intro = next(key for key in keys if ":intro:" in key)
    port = LookupPort({intro})
    sender = sender_for(core, engine, port)
    await sender.recover()
    await sender.run_due()
    assert not port.sent  # the intro was found on the platform
    nudges = [r for _, r in port.private if "Circle for Section 1" in r.summary]
    assert len(nudges) == 1  # the nudge was not, so it went now
    assert (await LedgerStore(engine).counts())["sent"] == 2


async def test_without_a_lookup_a_half_done_post_is_reported_as_uncertain(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core)
    clock.advance(**INTRO_DAY)
    await stale_rows(engine, core, clock)
    sender = sender_for(core, engine, port)
    await sender.recover()
    await sender.run_due()
    assert not port.sent
    # The intro, the checklist nudge and the pre-programme survey were all in flight.
    assert (await LedgerStore(engine).counts())["uncertain"] == 3
    [(person, notice)] = [(p, r) for p, r in port.private if r.summary == uncertain.NOTICE]
    assert person.user_id == "fran" and notice.private


class YieldingPort(FakePort):
    """Lets the other scheduler run between sends, as a real network call would."""

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        await asyncio.sleep(0)
        return await super().send(target, reply)


async def test_concurrent_claims_from_two_connections_never_overlap(
    database_url: str, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent claiming is PostgreSQL's (SQLite serves one process)")
    await plan(core, channels=40)
    clock.advance(**INTRO_DAY)
    other = create_engine(database_url)
    try:
        ledgers = [LedgerStore(engine), LedgerStore(other)]
        claims = await asyncio.gather(
            *(ledgers[n % 2].claim(f"s{n % 2}", clock.now(), 3) for n in range(60))
        )
        ids = [row.id for claim in claims for row in claim]
        assert len(ids) == len(set(ids)) == 120
    finally:
        await other.dispose()


@pytest.fixture
def second_core(
    database_url: str, engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack]
) -> Callable[[], Awaitable[tuple[Core, AsyncEngine]]]:
    async def build() -> tuple[Core, AsyncEngine]:
        other = create_engine(database_url)
        return (
            Core(
                Services(
                    packs=packs,
                    sessions=sessions(other),
                    pseudonyms=Pseudonyms(TEST_SECRET),
                    clock=clock,
                    options=CoreOptions("healthcare", 3, "EAP", {"fran": "facilitator"}),
                )
            ),
            other,
        )

    return build


async def test_two_schedulers_on_one_postgresql_send_each_post_once(
    database_url: str,
    core: Core,
    engine: AsyncEngine,
    port: FakePort,
    clock: FrozenClock,
    second_core: Callable[[], Awaitable[tuple[Core, AsyncEngine]]],
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent claiming is PostgreSQL's (SQLite serves one process)")
    await plan(core, channels=60)
    port = YieldingPort()
    other_core, other_engine = await second_core()
    try:
        late = timedelta(days=30)
        one = sender_for(core, engine, port, batch=7, grace=late)
        two = sender_for(other_core, other_engine, port, "b", batch=7, grace=late)
        clock.advance(**INTRO_DAY)
        # Both engines connected and both tenants' settings made, so neither starts cold.
        await asyncio.gather(LedgerStore(engine).counts(), LedgerStore(other_engine).counts())
        sent = await asyncio.gather(one.run_due(), two.run_due())
        # Per channel: the pre-programme survey, the intro, and the facilitator's checklist.
        assert sum(sent) == 180
        assert Counter(target.address for target, _ in port.sent) == {f"C{n}": 2 for n in range(60)}
        assert len(port.private) == 60
    finally:
        await other_engine.dispose()


async def test_a_replan_never_resends_a_post_already_sent(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    (rollout_id,) = await plan(core)
    sender = sender_for(core, engine, port)
    clock.advance(**INTRO_DAY)
    await sender.run_due()
    rollout = await core.services.rollouts.store.get(TENANT, rollout_id)
    assert rollout is not None
    # Moving the circle by an hour keeps the intro's key (same kind, section, local date).
    await core.services.rollouts.move(
        rollout, 1, parse_local("2027-03-23T10:00"), core.services.packs["healthcare"].pack
    )
    async with engine.begin() as connection:
        await connection.execute(update(DeliveryRow).values(not_before=None))
    clock.advance(minutes=1)
    await sender.run_due()
    assert len(port.sent) == 1


async def test_the_visual_reminder_asks_to_be_pinned_and_nothing_else_does(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core)
    sender = sender_for(core, engine, port, grace=timedelta(days=30))
    clock.advance(days=9)
    await sender.run_due()
    pinned = [reply.summary for _, reply in port.sent if reply.pin]
    assert pinned == ["Visual reminder: Compassion in action"]
    assert len(port.sent) > 1


async def test_a_short_rate_limit_is_waited_out_in_place_and_sent_once(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    port = FlakyPort(DeliveryError("ratelimited", permanent=False, retry_after=2), 3)
    await plan(core)
    sender = sender_for(core, engine, port)
    clock.advance(**INTRO_DAY)
    started = clock.now()
    assert await sender.run_due() == 2
    assert port.attempts == 4 and len(port.sent) == 1
    assert (clock.now() - started).total_seconds() >= 6
    async with engine.connect() as connection:
        attempts = await connection.scalar(
            select(DeliveryRow.attempts).where(DeliveryRow.kind == "intro")
        )
    assert attempts == 4


async def test_a_fan_out_brings_agreements_into_prompts_only_where_a_cohort_made_them(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core, channels=2)
    made = await core.services.agreements.propose(
        TENANT, "C1", "We assume good intent", clock.now()
    )
    await core.services.agreements.set_status(TENANT, made.id, "agreed", clock.now())
    sender = sender_for(core, engine, port, grace=timedelta(days=30))
    clock.advance(days=11, hours=1)
    await sender.run_due()
    prompts = {t.address: r.plain_text() for t, r in port.sent if r.summary == "Today's prompt"}
    assert set(prompts) == {"C0", "C1"}
    assert "We assume good intent" in prompts["C1"]
    assert "agreements" not in prompts["C0"]


class SlowPort(FakePort):
    """A platform that takes a moment to answer each post."""

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        await asyncio.sleep(0.03)
        return await super().send(target, reply)


async def test_posts_that_finish_while_outcomes_are_being_written_are_written_too(
    core: Core, engine: AsyncEngine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scheduler.sender.FLUSH_EVERY", 0.01)
    await plan(core, channels=3)
    port = SlowPort()
    sender = sender_for(core, engine, port)
    writes = sender.ledger.finish

    async def slow_write(*args: object, **kwargs: object) -> int:
        await asyncio.sleep(0.05)  # the last sends finish while this write is under way
        return await writes(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sender.ledger, "finish", slow_write)
    clock.advance(**INTRO_DAY)

    sent = await sender.run_due()

    counts = await LedgerStore(engine).counts()
    # Each channel's introduction, and each checklist nudge to its facilitator.
    assert sent == counts["sent"] == 6 and len(port.sent) == 3
    assert "sending" not in counts
