"""A second `ask forward N` or `ask answer N` asks first: one press never sends a question to
leaders twice, nor posts two answers to it; `ask unpost N` asks before it deletes an answer."""

from __future__ import annotations

from bot.core import Core
from tests.conftest import Chat, FakePort
from tests.test_two_way_loop import button_commands


async def forwarded_question(core: Core, chat: Chat) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "ask Could we have a quiet room?")
    await chat.say("fran", "ask forward 1")


async def test_forwarding_a_question_again_asks_first_and_sends_only_when_confirmed(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await forwarded_question(core, chat)
    to_leaders = len(port.private)

    asked = await chat.say("fran", "ask forward 1")

    assert len(port.private) == to_leaders
    assert "Question #1 is with leaders already. Send it to the leaders again?" in (
        asked.plain_text()
    )
    assert button_commands(asked) == ["ask forward 1 again"]
    confirmed = await chat.say("fran", "ask forward 1 again")
    assert "Sent to 1 leaders" in confirmed.plain_text()
    assert len(port.private) == to_leaders + 1


async def test_a_second_answer_asks_first_and_is_posted_only_when_confirmed(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await forwarded_question(core, chat)
    await chat.say("lou", "ask answer 1 Yes, from May.")
    posts = len(port.sent)

    asked = await chat.say("lou", "ask answer 1 Yes, from May.")

    assert len(port.sent) == posts
    text = asked.plain_text()
    assert "Question #1 has an answer already" in text and "Yes, from May." in text
    assert button_commands(asked) == ["ask answer 1 again", "ask unpost 1"]
    await chat.say("lou", "ask answer 1 again", form={"text": "And the room is booked."})
    assert len(port.sent) == posts + 1
    _, second = port.sent[-1]
    assert "And the room is booked." in second.plain_text()
    assert "again" not in second.plain_text().split("LEADERSHIP'S ANSWER")[-1]
    typed = await chat.say("lou", "ask answer 1 again Typed, this time.")
    assert "posted" in typed.plain_text() and len(port.sent) == posts + 2
    assert "Typed, this time." in port.sent[-1][1].plain_text()


async def test_forwarding_an_answered_question_again_keeps_its_answer(
    core: Core, chat: Chat
) -> None:
    await forwarded_question(core, chat)
    await chat.say("lou", "ask answer 1 Yes, from May.")

    await chat.say("fran", "ask forward 1 again")

    found = await core.services.asks.get_ask(chat.tenant, 1)
    assert found is not None and found.status == "answered"
    assert found.answer == "Yes, from May."


async def test_deleting_a_posted_answer_asks_first_then_puts_the_question_back_with_leaders(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await forwarded_question(core, chat)
    await chat.say("lou", "ask answer 1 Yes, from Mya.")
    assert len(port.sent) == 1

    asked = await chat.say("lou", "ask unpost 1")

    assert port.deleted == []
    assert "Delete the answer posted with Question #1" in asked.plain_text()
    assert "Yes, from Mya." in asked.plain_text()
    assert button_commands(asked) == ["ask unpost 1 yes"]
    done = await chat.say("lou", "ask unpost 1 yes")
    assert "deleted from the channel" in done.plain_text()
    (deleted,) = port.deleted
    assert (deleted.address, deleted.message_id) == ("#circle", "m1")
    found = await core.services.asks.get_ask(chat.tenant, 1)
    assert found is not None and (found.status, found.answer) == ("forwarded", None)
    assert found.answer_post is None
    # Answered again, it is a first answer: no "has an answer already" question.
    again = await chat.say("lou", "ask answer 1 Yes, from May.")
    assert "posted" in again.plain_text() and len(port.sent) == 2
    assert "Yes, from May." in port.sent[-1][1].plain_text()


async def test_an_answer_that_was_never_posted_or_is_gone_has_nothing_to_delete(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await forwarded_question(core, chat)

    unanswered = await chat.say("lou", "ask unpost 1 yes")
    await chat.say("lou", "ask answer 1 Yes, from May.")
    await chat.say("lou", "ask unpost 1 yes")
    twice = await chat.say("lou", "ask unpost 1 yes")

    assert "has no posted answer to delete" in unanswered.plain_text()
    assert "has no posted answer to delete" in twice.plain_text()
    assert len(port.deleted) == 1


async def test_only_leaders_delete_a_posted_answer(core: Core, chat: Chat, port: FakePort) -> None:
    await forwarded_question(core, chat)
    await chat.say("lou", "ask answer 1 Yes, from May.")

    refused = await chat.say("fran", "ask unpost 1 yes")

    assert port.deleted == []
    assert "only a facilitator or leader can do" in refused.plain_text()
    found = await core.services.asks.get_ask(chat.tenant, 1)
    assert found is not None and found.status == "answered"
