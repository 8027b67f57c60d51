"""Staying under Teams' send limits: 7 a second per conversation, 30 a second per tenant."""

from __future__ import annotations

from adapters.teams.throttle import Throttle


class Time:
    """A clock that moves only when the throttle sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_the_eighth_send_to_one_conversation_in_a_second_waits_for_the_window() -> None:
    time = Time()
    throttle = Throttle(time.sleep, lambda: time.now)

    for _ in range(8):
        await throttle.wait("teams:t", "19:a")

    assert time.waits == [1.0]


async def test_sends_to_other_conversations_are_not_held_up_by_a_busy_one() -> None:
    time = Time()
    throttle = Throttle(time.sleep, lambda: time.now)
    for _ in range(7):
        await throttle.wait("teams:t", "19:busy")

    await throttle.wait("teams:t", "19:quiet")

    assert time.waits == []


async def test_a_tenant_gets_at_most_thirty_sends_a_second_across_its_conversations() -> None:
    time = Time()
    throttle = Throttle(time.sleep, lambda: time.now)

    for n in range(31):
        await throttle.wait("teams:t", f"19:c{n}")
    await throttle.wait("teams:other", "19:c0")

    assert time.waits == [1.0]


async def test_sixty_sends_in_thirty_seconds_is_the_most_one_conversation_gets() -> None:
    time = Time()
    throttle = Throttle(time.sleep, lambda: time.now)

    for _ in range(61):
        await throttle.wait("teams:t", "19:a")

    assert time.now - 100.0 >= 30.0
    assert sum(time.waits) == time.now - 100.0
