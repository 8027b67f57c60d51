"""Asks and suggestions link to nobody: an ask from a direct message keeps no place and its
answer never goes back there; the asker alone holds a reply code; suggestion batches need the
group size of different people, name no place and keep no token once released."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Buttons, Incoming, Person, Reply, Target
from bot.storage.tables import AskRow, SuggestionRow
from tests.conftest import Chat, FakePort, FrozenClock

CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")
SCHEDULE = "schedule 1 2027-03-16 09:00 Europe/London"


def reply_code(reply: Reply) -> str:
    (code,) = set(CODE.findall(reply.plain_text()))
    return code


def button_commands(reply: Reply) -> list[str]:
    return [
        b.command for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    ]


async def in_private(chat: Chat, user: str, text: str) -> Reply:
    """`user` types `text` in their own direct message with the bot."""
    incoming = Incoming(
        person=Person(tenant=chat.tenant, user_id=user),
        place=Target(tenant=chat.tenant, address=f"D-{user}"),
        text=text,
        private_place=True,
    )
    return await chat.core.handle(incoming, chat.port)


async def forward_and_answer(chat: Chat, core: Core, port: FakePort, answer: str) -> Reply:
    """Fran forwards the newest question and Lou answers it; what Lou is told."""
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    to_fran = port.private[-1][1]
    await chat.say("fran", button_commands(to_fran)[0])
    to_lou = port.private[-1][1]
    return await chat.say("lou", button_commands(to_lou)[0], form={"text": answer})


async def asks(engine: AsyncEngine) -> list[AskRow]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(AskRow))).all())


async def suggestions(engine: AsyncEngine) -> list[SuggestionRow]:
    async with engine.connect() as connection:
        result = await connection.execute(select(SuggestionRow).order_by(SuggestionRow.id))
        return list(result.all())


async def test_an_ask_from_a_direct_message_keeps_no_place_and_is_answered_in_the_team_channel(
    core: Core, chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    await chat.say("fran", SCHEDULE)  # the team's rollout runs in #circle
    told = await in_private(chat, "sam", "ask Could we have a quiet room on nights?")
    assert "team's channel" in told.plain_text() and told.private

    (row,) = await asks(engine)
    assert row.place == ""
    told_lou = await forward_and_answer(chat, core, port, "Yes, from next month.")

    assert [target.address for target, _ in port.sent] == ["#circle"]
    assert "from next month" in port.sent[0][1].plain_text()
    assert all(person.user_id != "sam" for person, _ in port.private)
    assert "team's channel" in told_lou.plain_text()


async def test_an_ask_from_a_direct_message_without_a_team_channel_is_kept_for_the_code_only(
    core: Core, chat: Chat, port: FakePort
) -> None:
    told = await in_private(chat, "sam", "ask Could we have a quiet room on nights?")
    code = reply_code(told)

    waiting = await in_private(chat, "sam", f"ask check {code}")
    assert "quiet room" in waiting.plain_text() and "hasn't gone to leaders" in waiting.plain_text()
    told_lou = await forward_and_answer(chat, core, port, "Yes, from next month.")

    assert port.sent == []
    assert "nothing was posted" in told_lou.plain_text()
    assert "reply code" in told_lou.plain_text()
    answered = await in_private(chat, "sam", f"ask check {code.lower().replace('-', ' ')}")
    assert answered.private
    assert "quiet room" in answered.plain_text() and "from next month" in answered.plain_text()


async def test_a_reply_code_is_shown_once_and_only_its_digest_is_stored(
    chat: Chat, engine: AsyncEngine
) -> None:
    first = reply_code(await chat.say("sam", "ask Why so many meetings?"))
    second = reply_code(await chat.say("sam", "ask And why so late?"))

    assert first != second
    rows = await asks(engine)
    typed = first.replace("-", "")
    assert rows[0].reply_digest == hashlib.sha256(typed.encode()).hexdigest()
    for row in rows:
        assert typed not in " ".join(str(value) for value in row)


async def test_a_wrong_reply_code_says_so_kindly(chat: Chat) -> None:
    await chat.say("sam", "ask Why so many meetings?")

    wrong = await chat.say("sam", "ask check ABCDE-FGHJK")
    assert "couldn't find a question with that code, sorry" in wrong.plain_text()
    assert "meetings" not in wrong.plain_text()
    assert "for example `ask check" in (await chat.say("sam", "ask check")).plain_text()


async def test_an_answer_to_a_channel_ask_is_posted_to_the_channel_and_read_with_the_code(
    core: Core, chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    told = await chat.say("sam", "ask Could we have a quiet room on nights?")
    assert "this channel" in told.plain_text()
    (row,) = await asks(engine)
    assert row.place == "#circle"

    told_lou = await forward_and_answer(chat, core, port, "Yes, from next month.")

    ((target, posted),) = port.sent
    assert target.address == "#circle" and not posted.private
    assert "in its channel" in told_lou.plain_text()
    answered = await chat.say("sam", f"ask check {reply_code(told)}")
    assert "from next month" in answered.plain_text()


async def test_three_suggestions_from_one_person_are_not_released(
    chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    for words in ("Protected lunch", "Fewer emails after 6", "A peer buddy"):
        await chat.say("sam", f"suggest {words}")

    assert port.private == []
    tokens = {row.author_token for row in await suggestions(engine)}
    assert len(tokens) == 1 and None not in tokens
    assert chat.core.services.pseudonyms.of(chat.tenant, "sam") not in tokens


async def test_a_batch_is_released_once_the_group_size_of_different_people_wrote(
    chat: Chat, port: FakePort, engine: AsyncEngine
) -> None:
    await chat.say("sam", "suggest Protected lunch")
    await chat.say("sam", "suggest Fewer emails after 6")
    await chat.say("kim", "suggest A peer buddy")
    assert port.private == []

    await chat.say("ana", "suggest Quiet room")

    ((to, batch),) = port.private
    assert to.user_id == "fran"
    assert batch.plain_text().count("•") == 4
    assert batch.summary == "4 suggestions from the team"
    assert "WHAT WOULD HELP? 4 ANSWERS FROM THE TEAM" in batch.plain_text()
    rows = await suggestions(engine)
    assert [(row.author_token, row.place) for row in rows] == [(None, "")] * 4
    assert all(row.released_at is not None for row in rows)


async def test_suggestions_from_several_channels_make_one_team_batch(
    core: Core, port: FakePort
) -> None:
    for user, channel in (("sam", "#circle"), ("kim", "#nights"), ("ana", "#days")):
        await Chat(core, port, channel=channel).say(user, f"suggest Idea from {user}")

    ((_, batch),) = port.private
    assert batch.plain_text().count("Idea from") == 3
    assert "#" not in batch.plain_text() and "#" not in batch.summary


async def test_an_old_suggestion_with_a_place_joins_a_batch_whose_title_names_no_place(
    chat: Chat, port: FakePort, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(SuggestionRow).values(
                tenant_id=chat.tenant, place="C0123OLD", text="From before", created_at=clock.now()
            )
        )
    await chat.say("sam", "suggest Protected lunch")
    await chat.say("kim", "suggest A peer buddy")
    assert port.private == []  # the old row counts as nobody

    await chat.say("ana", "suggest Quiet room")

    ((_, batch),) = port.private
    text = batch.plain_text() + batch.summary
    assert "From before" in text and "C0123OLD" not in text
    assert "4 ANSWERS FROM THE TEAM" in text
    assert all(row.author_token is None for row in await suggestions(engine))


async def test_a_person_counts_anew_in_the_next_batch(chat: Chat, port: FakePort) -> None:
    for user in ("sam", "kim", "ana"):
        await chat.say(user, f"suggest First from {user}")
    assert len(port.private) == 1

    for user in ("sam", "sam", "kim"):
        await chat.say(user, f"suggest Second from {user}")
    assert len(port.private) == 1
    await chat.say("ana", "suggest Second from ana")

    assert len(port.private) == 2
    assert port.private[1][1].plain_text().count("Second from") == 4
