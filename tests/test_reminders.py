"""One gentle, private reminder per check-in poll to those who have not answered it."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import MessageRef, Person, Poll, Reply, Target
from bot.rollouts import posts
from bot.storage.ledger_tables import DeliveryRow
from bot.storage.tables import PreferenceRow
from tests.conftest import Chat, FakePort, FrozenClock
from tests.test_scheduler_ledger import TENANT, plan, sender_for

# The circle is on Tuesday 23 March 2027; its first check-in is a week later, Tuesday 30 March at
# 14:00 in London (13:00 UTC, summer time), and its reminder the next day at 10:00 (09:00 UTC).
CHECKIN_DAY = {"days": 15, "hours": 4, "minutes": 5}
REMINDER_DAY = {"hours": 20}
LATE = timedelta(days=30)
MEMBERS = ["ann", "ben", "cat", "dan"]
NUDGE = "A gentle nudge"


def reminded(port: FakePort) -> list[str]:
    return [person.user_id for person, reply in port.private if reply.summary.startswith(NUDGE)]


async def open_check_in(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> tuple[str, Chat]:
    """Plan, post up to the first check-in, and return its poll and the channel's chat."""
    await plan(core)
    port.people["C0"] = MEMBERS
    clock.advance(**CHECKIN_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()
    poll = await core.services.polls.current(TENANT, "C0")
    assert poll is not None
    return poll.id, Chat(core, port, channel="C0")


async def test_one_private_reminder_reaches_only_those_who_have_not_answered_or_opted_out(
    core: Core,
    engine: AsyncEngine,
    port: FakePort,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    poll_id, channel = await open_check_in(core, engine, port, clock)
    await channel.say("ann", f"checkin 4 {poll_id}")
    off = await channel.say("ben", "checkin reminders off")
    assert "reminders are off" in off.plain_text()
    clock.advance(**REMINDER_DAY)
    sender = sender_for(core, engine, port, grace=LATE)
    caplog.clear()
    await sender.run_due()
    # Every line the reminders wrote, down to the database driver's: no name of anyone reminded.
    logged = " ".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    assert logged and not any(name in logged for name in ("'cat'", "'dan'", '"cat"', '"dan"'))

    assert sorted(reminded(port)) == ["cat", "dan"]
    (reply,) = {r for _, r in port.private if r.summary.startswith(NUDGE)}
    (poll,) = [block for block in reply.blocks if isinstance(block, Poll)]
    assert poll.poll_id == poll_id
    assert [b.command for b in poll.options] == [f"checkin {v} {poll_id}" for v in range(6)]
    assert "checkin reminders off" in reply.plain_text() and reply.private

    # Answering from the reminder counts in the channel's poll.
    answer = await Chat(core, port, channel="D-cat").say("cat", poll.options[3].command)
    assert "your answer is in" in answer.plain_text()
    policy = core.services.policy(await core.services.team(TENANT))
    assert (await core.services.polls.published(TENANT, poll_id, policy)).respondents == 2

    # Another reminder planned for the same poll (a second rule, a replay) sends nothing more.
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    due = posts.Due("again", TENANT, rollout.id, "reminder", 1, clock.now().date(), "C0")
    await posts.deliver(core.services, port, rollout, due)
    await sender.run_due()
    assert sorted(reminded(port)) == ["cat", "dan"]

    # Nothing kept says who was reminded: no person in the ledger, and the one preference row
    # holds a pseudonym.
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(DeliveryRow.key, DeliveryRow.body, DeliveryRow.message_id).where(
                    DeliveryRow.kind.in_(("reminder", "reminder-dms"))
                )
            )
        ).all()
        people = (await connection.execute(select(PreferenceRow.person))).scalars().all()
    assert [json.loads(body) for _, body, _ in rows if body] == [{"poll": poll_id}]
    assert all(message_id is None for _, _, message_id in rows)
    assert people == [core.services.pseudonyms.of(TENANT, "ben")]


async def test_reminders_can_be_turned_back_on(
    core: Core, engine: AsyncEngine, port: FakePort, clock: FrozenClock
) -> None:
    _, channel = await open_check_in(core, engine, port, clock)
    for person in MEMBERS:
        await channel.say(person, "checkin reminders off")
    on = await channel.say("dan", "checkin reminders on")
    assert "reminders are on" in on.plain_text()
    assert "checkin reminders off" in (await channel.say("dan", "checkin reminders")).plain_text()
    clock.advance(**REMINDER_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()
    assert reminded(port) == ["dan"]


class NoMembers(FakePort):
    """A platform whose adapter cannot list a channel's members yet."""

    async def members(self, target: Target) -> list[Person]:
        raise NotImplementedError


class OldPort:
    """A port from before `members` existed."""

    def __init__(self) -> None:
        self.inner = FakePort()

    async def send(self, target: Target, reply: Reply) -> MessageRef:
        return await self.inner.send(target, reply)

    async def update(self, ref: MessageRef, reply: Reply) -> None:
        await self.inner.update(ref, reply)

    async def delete(self, ref: MessageRef) -> None:
        await self.inner.delete(ref)

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        return await self.inner.send_private(person, reply)


@pytest.mark.parametrize("port_kind", ["raises", "lacks"])
async def test_a_port_that_cannot_list_members_sends_no_reminder_and_says_so_in_the_log(
    core: Core,
    engine: AsyncEngine,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    port_kind: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.rollouts.reminders")
    port: object = NoMembers() if port_kind == "raises" else OldPort()
    recorder = port if isinstance(port, FakePort) else port.inner  # type: ignore[attr-defined]
    await plan(core)
    clock.advance(**CHECKIN_DAY)
    clock.advance(**REMINDER_DAY)
    await sender_for(core, engine, port, grace=LATE).run_due()
    assert not reminded(recorder)
    assert any("cannot list members" in r.getMessage() for r in caplog.records)
    async with engine.connect() as connection:
        statuses = (
            await connection.execute(
                select(DeliveryRow.status).where(DeliveryRow.kind == "reminder-dms")
            )
        ).scalars()
        assert list(statuses) == ["sent"]


class SomeCannotBeReached(FakePort):
    """Direct messages to `cat` always fail, as to a deactivated account."""

    async def send_private(self, person: Person, reply: Reply) -> MessageRef:
        if person.user_id == "cat":
            raise DeliveryError("user_disabled", permanent=True)
        return await super().send_private(person, reply)


async def test_one_unreachable_person_neither_pauses_the_cohort_nor_repeats_the_others(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    port = SomeCannotBeReached()
    await open_check_in(core, engine, port, clock)
    clock.advance(**REMINDER_DAY)
    sender = sender_for(core, engine, port, grace=LATE)
    await sender.run_due()
    await sender.run_due()
    assert sorted(reminded(port)) == ["ann", "ben", "dan"]
    rollout = (await core.services.rollouts.store.listing(TENANT))[0]
    assert rollout.status == "active"


async def test_a_person_sees_and_deletes_their_reminder_setting_with_their_data(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("ben", "checkin reminders off")
    shown = (await chat.say("ben", "privacy show-me")).plain_text()
    assert "Check-in reminders: off" in shown
    assert "Check-in reminders: on" in (await chat.say("kim", "privacy show-me")).plain_text()

    deleted = (await chat.say("ben", "privacy delete-me confirm")).plain_text()

    assert "Check-in reminders are on again" in deleted
    async with engine.connect() as connection:
        assert (await connection.execute(select(PreferenceRow.person))).all() == []
    assert "Check-in reminders: on" in (await chat.say("ben", "privacy show-me")).plain_text()
