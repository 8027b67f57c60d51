"""Fist-to-five check-ins: one answer per person, changeable, shown only as releases."""

from __future__ import annotations

import dataclasses
import inspect

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Poll, Reply
from bot.release import Published
from bot.storage.polls import Answered, PollStore
from bot.storage.tables import PollAnswerRow
from tests.conftest import Chat, FakePort


def poll_of(reply: Reply) -> Poll:
    return next(block for block in reply.blocks if isinstance(block, Poll))


async def published_here(core: Core, chat: Chat) -> Published:
    poll = await core.services.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    return await core.services.polls.published(
        chat.tenant, poll.id, core.services.policy(await core.services.team(chat.tenant))
    )


async def test_checkin_posts_a_poll_with_six_answers_and_the_privacy_line(
    chat: Chat, port: FakePort
) -> None:
    reply = await chat.say("sam", "checkin")
    assert "posted a check-in" in reply.plain_text()
    target, posted = port.sent[0]
    assert target.address == "#circle" and not posted.private
    poll = poll_of(posted)
    assert [b.command.split()[1] for b in poll.options] == ["0", "1", "2", "3", "4", "5"]
    assert "nobody, leaders included, can work out your answer" in poll.privacy_line


async def test_the_first_release_appears_at_the_group_size_and_one_more_answer_leaves_it(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await chat.say("a", "checkin 4")
    await chat.say("b", "checkin 2")
    assert (await published_here(core, chat)).release is None
    assert "Figures appear once 3 people have answered" in poll_of(port.updated[-1][1]).count_line
    await chat.say("c", "checkin 5")
    published = await published_here(core, chat)
    assert published.respondents == 3
    assert published.release is not None
    assert published.release.bands == (0, 1, 2)
    first = poll_of(port.updated[-1][1]).count_line
    assert "3 people have answered. At 3: low (0-1) 0% · middle (2-3) 33% · high (4-5) 67%" in first
    await chat.say("d", "checkin 0")
    after = await published_here(core, chat)
    assert after.respondents == 4 and after.release == published.release
    line = poll_of(port.updated[-1][1]).count_line
    assert line == first.replace("3 people have answered.", "4 people have answered.")


async def test_one_answer_per_person_and_a_changed_answer_replaces_the_first(
    core: Core, chat: Chat
) -> None:
    for user, value in (("a", 4), ("b", 3), ("c", 3), ("d", 1)):
        await chat.say(user, f"checkin {value}")
    # The second batch: "a" changes to 1, two more people act, and the release counts "a" once.
    for user, value in (("a", 1), ("d", 5), ("e", 0)):
        await chat.say(user, f"checkin {value}")
    published = await published_here(core, chat)
    assert published.respondents == 5
    assert published.release is not None
    assert published.release.version == 2
    assert published.release.bands == (2, 2, 1)


async def test_answers_are_stored_under_pseudonyms_never_user_ids(
    chat: Chat, engine: AsyncEngine
) -> None:
    await chat.say("sam.user.id", "checkin 3")
    async with engine.connect() as connection:
        rows = (await connection.execute(select(PollAnswerRow.respondent))).scalars().all()
    assert len(rows) == 1
    assert "sam" not in rows[0] and len(rows[0]) == 64


async def test_a_low_answer_gets_a_kind_note_with_support_inside_its_acknowledgement(
    chat: Chat, port: FakePort
) -> None:
    low = await chat.say("sam", "checkin 1")
    assert low.private and "EAP" in low.plain_text()
    assert all("EAP" not in reply.plain_text() for _, reply in port.sent + port.updated)
    calls = (len(port.sent), len(port.updated), len(port.private))
    high = await chat.say("lee", "checkin 4")
    assert "EAP" not in high.plain_text()
    # The low answer made exactly the calls a high one makes: no extra private message.
    assert port.private == []
    assert (len(port.sent), len(port.updated) - 1, len(port.private)) == calls


async def test_a_bad_answer_is_refused_kindly_and_nothing_is_stored(core: Core, chat: Chat) -> None:
    reply = await chat.say("sam", "checkin 7")
    assert "0 (fist) to 5" in reply.plain_text()
    assert await core.services.polls.current(chat.tenant, chat.channel) is None


async def test_a_button_names_its_poll_so_old_messages_still_count_for_their_poll(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await chat.say("sam", "checkin")
    button = poll_of(port.sent[0][1]).options[3].command
    poll = await core.services.polls.current(chat.tenant, chat.channel)
    assert poll is not None
    await core.services.polls.close(chat.tenant, poll.id, core.services.clock.now())
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
            # The live count and releases, counts of rows, and each poll's release for reports.
            "Published",
            "int",
            "list[PollFigures]",
            # What `privacy show-me` and `delete-me` tell the person themselves: counts only.
            "tuple[str, ...]",
            "Forgotten",
            # A check-in answered: the poll and what may be shown of it (below).
            "Answered | None",
        }, name
    fields = {field.name: str(field.type) for field in dataclasses.fields(Answered)}
    assert fields == {"poll": "PollRecord", "published": "Published | None"}
