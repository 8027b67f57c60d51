"""Fist-to-five check-ins: one answer per person, changeable, only safe aggregates."""

from __future__ import annotations

import inspect

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Poll, Reply
from bot.storage.polls import PollStore, Tally
from bot.storage.tables import PollAnswerRow
from tests.conftest import Chat, FakePort


def poll_of(reply: Reply) -> Poll:
    return next(block for block in reply.blocks if isinstance(block, Poll))


async def tally_here(core: Core, chat: Chat) -> Tally:
    poll = await core.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    return await core.polls.tally(chat.tenant, poll.id, 3)


async def test_checkin_posts_a_poll_with_six_answers_and_the_privacy_line(
    chat: Chat, port: FakePort
) -> None:
    reply = await chat.say("sam", "checkin")
    assert "posted a check-in" in reply.plain_text()
    target, posted = port.sent[0]
    assert target.address == "#circle" and not posted.private
    poll = poll_of(posted)
    assert [b.command.split()[1] for b in poll.options] == ["0", "1", "2", "3", "4", "5"]
    assert "nobody, leaders included, can see your answer" in poll.privacy_line


async def test_the_spread_stays_hidden_below_the_minimum_group_size(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await chat.say("a", "checkin 4")
    await chat.say("b", "checkin 2")
    assert (await tally_here(core, chat)).distribution is None
    assert "The spread appears at 3" in poll_of(port.updated[-1][1]).count_line
    await chat.say("c", "checkin 5")
    tally = await tally_here(core, chat)
    assert tally.total == 3
    assert tally.distribution == (0, 0, 1, 0, 1, 1)
    assert "2: 1" in poll_of(port.updated[-1][1]).count_line


async def test_one_answer_per_person_and_a_changed_answer_replaces_the_first(
    core: Core, chat: Chat
) -> None:
    for user, value in (("a", 4), ("b", 3), ("c", 3), ("a", 1)):
        await chat.say(user, f"checkin {value}")
    tally = await tally_here(core, chat)
    assert tally.total == 3
    assert tally.distribution == (0, 1, 0, 2, 0, 0)


async def test_answers_are_stored_under_pseudonyms_never_user_ids(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam.user.id", "checkin 3")
    async with engine.connect() as connection:
        rows = (await connection.execute(select(PollAnswerRow.respondent))).scalars().all()
    assert len(rows) == 1
    assert "sam" not in rows[0] and len(rows[0]) == 64


async def test_a_low_answer_gets_a_private_kind_note_with_support(
    chat: Chat, port: FakePort
) -> None:
    await chat.say("sam", "checkin 1")
    person, note = port.private[0]
    assert person.user_id == "sam"
    assert "EAP" in note.plain_text()
    assert all("EAP" not in reply.plain_text() for _, reply in port.sent)
    await chat.say("lee", "checkin 4")
    assert len(port.private) == 1


async def test_a_bad_answer_is_refused_kindly_and_nothing_is_stored(core: Core, chat: Chat) -> None:
    reply = await chat.say("sam", "checkin 7")
    assert "0 (fist) to 5" in reply.plain_text()
    assert await core.polls.current(chat.tenant, chat.channel) is None


async def test_a_button_names_its_poll_so_old_messages_still_count_for_their_poll(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await chat.say("sam", "checkin")
    button = poll_of(port.sent[0][1]).options[3].command
    poll = await core.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    await core.polls.close(chat.tenant, poll.id, core.clock.now())
    closed = await chat.say("sam", button)
    assert "closed" in closed.plain_text()


def test_no_poll_store_method_returns_an_individual_answer() -> None:
    for name, method in inspect.getmembers(PollStore, inspect.isfunction):
        if name.startswith("_"):
            continue
        returned = str(inspect.signature(method).return_annotation)
        assert "PollAnswerRow" not in returned
        assert returned in {
            "None",
            "PollRecord",
            "PollRecord | None",
            "list[PollRecord]",
            "Tally",
            # Counts of rows, and per-poll totals that reports suppress before showing.
            "int",
            "list[PollTotals]",
        }, name
