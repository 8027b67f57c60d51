"""Which rollout serves a place, remembered for a few seconds: this process's changes are seen
at once, another replica's within the cache's seconds."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.rollouts.places import RolloutPlaces
from bot.storage.engine import sessions
from bot.storage.rollouts import RolloutStore
from bot.storage.team_settings import CACHE_SECONDS
from tests.conftest import Chat, FakePort, FrozenClock
from tests.test_scheduler_ledger import TENANT


class Ticks:
    """A monotonic timer that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_rollout_scheduled_here_is_the_places_at_once_though_none_was_remembered(
    core: Core, port: FakePort, clock: FrozenClock
) -> None:
    chat = Chat(core, port, tenant=TENANT, channel="C0")
    places = core.services.rollouts.places
    assert await places.serving(TENANT, "C0") is None  # remembered: no rollout here
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    found = await places.serving(TENANT, "C0")
    assert found is not None and found.address == "C0"
    # A direct message is served by the team's one programme.
    direct = await places.serving(TENANT, "D-sam")
    assert direct is not None and direct.id == found.id


async def test_a_rollout_cancelled_by_another_replica_is_seen_once_the_seconds_pass(
    core: Core, port: FakePort, clock: FrozenClock, engine: AsyncEngine
) -> None:
    chat = Chat(core, port, tenant=TENANT, channel="C0")
    await chat.say("fran", "schedule 1 2027-03-23 09:00 Europe/London")
    ticks = Ticks()
    places = RolloutPlaces(core.services.rollouts.store, timer=ticks)
    found = await places.serving(TENANT, "C0")
    assert found is not None
    day = date(2027, 3, 26)  # a Friday with a prompt planned
    row = await places.today(found.id, day)
    assert row is not None and row.status == "planned"
    other_replica = RolloutStore(sessions(engine))
    await other_replica.set_status(TENANT, found.id, "cancelled")
    ticks.now += CACHE_SECONDS / 2
    assert await places.serving(TENANT, "C0") == found  # still remembered
    ticks.now += CACHE_SECONDS
    assert await places.serving(TENANT, "C0") is None
    # The row of the day is read again too: cancelled, as the replica left it.
    again = await places.today(found.id, day)
    assert again is not None and again.status == "cancelled"
