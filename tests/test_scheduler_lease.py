"""The sending lease: only its holder claims and sends, a holder that cannot renew it stops, and
a new holder settles what the last one left only once that one's lease has ended."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import MessageRef, Person, Reply, Target
from bot.rollouts import uncertain
from bot.storage.ledger_tables import DeliveryRow, LeaseRow
from scheduler.leader import Lease, SoleLeadership
from scheduler.ledger import Claimed, Outcome
from scheduler.sender import Sender
from scheduler.service import SchedulerService
from tests.conftest import FakePort, FrozenClock
from tests.test_scheduler_ledger import INTRO_DAY, plan, sender_for

LATE = timedelta(days=30)


class Ticks:
    """A clock for a lease's own count of time, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def leased(core: Core, engine: AsyncEngine, port: object, name: str, **options: Any) -> Sender:
    """A sender whose lease counts time on a clock of the test's."""
    ticks = Ticks()
    sender = sender_for(core, engine, port, name, grace=LATE, **options)
    sender.lease = Lease(name, clock=ticks)
    sender.ticks = ticks  # type: ignore[attr-defined]
    return sender


async def expire_on_the_server(engine: AsyncEngine) -> None:
    """The lease's time runs out on the database server's clock."""
    async with engine.begin() as connection:
        await connection.execute(update(LeaseRow).values(expires_at=0.0))


async def taken_over(engine: AsyncEngine, holder: str) -> None:
    """Another replica's term begins (the last one expired on the server's clock)."""
    async with engine.begin() as connection:
        await connection.execute(
            update(LeaseRow).values(holder=holder, term=LeaseRow.term + 1, expires_at=0.0)
        )


async def statuses(engine: AsyncEngine, clock: FrozenClock) -> Counter[str]:
    """The statuses of the posts due by now."""
    async with engine.connect() as connection:
        found = await connection.execute(
            select(DeliveryRow.status).where(DeliveryRow.due_at <= clock.now())
        )
        return Counter(row.status for row in found)


def delivered(port: FakePort) -> int:
    return len(port.sent) + len(port.private)


async def test_only_the_replica_holding_the_lease_claims_and_sends(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core, channels=2)
    first, second = leased(core, engine, port, "a"), leased(core, engine, port, "b")
    assert await first.lead()
    clock.advance(**INTRO_DAY)

    assert await second.lead() is False
    assert await second.run_due() == 0
    assert delivered(port) == 0 and (await statuses(engine, clock))["planned"] > 0

    # Per channel: the pre-programme survey, the intro, and the facilitator's checklist.
    assert await first.run_due() == 6
    assert delivered(port) == 6


class Held(FakePort):
    """The first post waits until the test lets it through; the rest go at once."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    async def _hold(self) -> None:
        if not self.waiting.is_set():
            self.waiting.set()
            await self.go.wait()

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        await self._hold()
        return await super().send(target, reply)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        await self._hold()
        return await super().send_private(person, reply)


async def test_a_replica_whose_lease_runs_out_starts_no_more_sends_and_hands_the_rest_back(
    core: Core, engine: AsyncEngine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outcomes (and the renewals they carry) are written only once the sends are done, as when
    # the database is away until then.
    monkeypatch.setattr("scheduler.sender.FLUSH_EVERY", 3600.0)
    await plan(core)
    port = Held()
    first = leased(core, engine, port, "a")
    clock.advance(**INTRO_DAY)
    run = asyncio.ensure_future(first.run_due())
    await port.waiting.wait()
    # Nothing renews the lease meanwhile: its margin runs out while the first post is out, and
    # by the time the database answers again another replica holds the lease.
    first.ticks.now += first.lease.seconds - first.lease.margin  # type: ignore[attr-defined]
    await taken_over(engine, "b")
    port.go.set()
    assert await run == 1

    # The channel's posts go one after another: the survey under way was made and recorded;
    # the two after it were never started, and wait as they were.
    assert [r.summary for _, r in port.sent] == ["A short survey"] and not port.private
    assert await statuses(engine, clock) == Counter(sent=1, planned=2)
    async with engine.connect() as connection:
        attempts = await connection.scalars(
            select(DeliveryRow.attempts).where(DeliveryRow.status == "planned")
        )
        assert set(attempts) == {0}

    assert first.lease.term is None
    second = leased(core, engine, port, "b")
    assert await second.run_due() == 2
    assert len(port.sent) == 2 and len(port.private) == 1
    assert (await statuses(engine, clock))["sent"] == 3


async def claimed_then_cut_off(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> tuple[Sender, list[Claimed]]:
    """The first holder claims what is due, and loses the database before it records anything."""
    await plan(core)
    clock.advance(**INTRO_DAY)
    first = leased(core, engine, port, "a")
    assert await first.lead()
    return first, await first.ledger.claim("a", clock.now(), 10, first.lease)


async def test_a_new_holder_waits_out_the_last_lease_then_shows_its_leftovers_as_uncertain(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    _, claimed = await claimed_then_cut_off(core, engine, port, clock)
    assert len(claimed) == 3
    second = leased(core, engine, port, "b")

    assert await second.lead() is False
    assert (await statuses(engine, clock))["sending"] == 3 and not port.private

    await expire_on_the_server(engine)
    assert await second.lead()
    assert (await statuses(engine, clock))["uncertain"] == 3
    assert await second.run_due() == 0 and delivered(port) == 1
    [(person, notice)] = port.private
    assert person.user_id == "fran" and notice.summary == uncertain.NOTICE


async def test_an_outcome_recorded_late_settles_a_row_marked_uncertain_meanwhile(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    first, (sent, never, _) = await claimed_then_cut_off(core, engine, port, clock)
    await expire_on_the_server(engine)
    assert await leased(core, engine, port, "b").lead()
    assert (await statuses(engine, clock))["uncertain"] == 3

    # The first holder reaches the database again: it knows what became of two of them.
    outcomes = [Outcome(sent.id, "sent", message_id="m1", attempts=1), Outcome(never.id, "planned")]
    await first.ledger.finish("a", outcomes, clock.now(), first.lease)
    assert await statuses(engine, clock) == Counter(sent=1, uncertain=1, planned=1)


async def test_a_claim_whose_answer_was_lost_puts_its_rows_back_and_each_goes_once(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core, channels=2)
    sender = leased(core, engine, port, "a")
    clock.advance(**INTRO_DAY)
    claim = sender.ledger.claim
    calls = 0

    async def lost_answer(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        claimed = await claim(*args, **kwargs)
        if calls == 1:
            # Committed, but the connection broke before the answer came back.
            raise ConnectionResetError(104, "Connection reset by peer")
        return claimed

    sender.ledger.claim = lost_answer  # type: ignore[method-assign]
    with pytest.raises(ConnectionResetError):
        await sender.run_due()
    assert (await statuses(engine, clock))["sending"] == 6 and delivered(port) == 0

    assert await sender.run_due() == 6
    assert delivered(port) == 6 and "sending" not in await statuses(engine, clock)


async def test_fencing_adds_one_statement_to_each_slice_of_a_fan_out(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core, channels=6)
    sender = leased(core, engine, port, "a", batch=4)
    assert await sender.lead()
    clock.advance(**INTRO_DAY)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await sender.run_due() == 18
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    claims = [s for s in seen if "UPDATE deliveries SET status" in s and "chosen" in s]
    leases = [s for s in seen if "scheduler_leases" in s]
    # 18 rows by 4, and the empty claim that ends the run.
    assert len(claims) == 6
    assert len(leases) == len(claims)


async def test_a_stopped_service_hands_the_lease_back_so_another_replica_sends_at_once(
    core: Core, engine: AsyncEngine, database_url: str, port: FakePort, clock: FrozenClock
) -> None:
    await plan(core)
    first = leased(core, engine, port, "a")
    service = SchedulerService(
        sender=first, database_url=database_url, leadership=SoleLeadership(), name="lease"
    )
    await service.start()
    await asyncio.wait_for(service.leading.wait(), 30)
    await service.stop()

    clock.advance(**INTRO_DAY)
    second = leased(core, engine, port, "b")
    assert await second.run_due() == 3
