"""The router: every command answers, and nothing a person types produces a traceback."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import DeliveryError
from bot.messages import Bullets, Buttons, Heading, MessageRef, Reply, Target
from tests.conftest import Chat


def headings(reply: Reply) -> list[str]:
    return [block.text for block in reply.blocks if isinstance(block, Heading)]


async def test_compassion_steps_lists_the_six_steps_in_order(chat: Chat) -> None:
    reply = await chat.say("sam", "/compassion-steps")
    bullets = next(block for block in reply.blocks if isinstance(block, Bullets))
    names = ["Notice", "Self-check", "Seek to understand", "Cultivate empathy"]
    names += ["Discern best action", "Take action"]
    assert len(bullets.items) == 6
    for item, name in zip(bullets.items, names, strict=True):
        assert name.lower() in item.lower()
    assert reply.private and reply.shareable


async def test_a_step_by_number_and_by_word_is_the_same_step(chat: Chat) -> None:
    by_number = await chat.say("sam", "compassion-steps 4")
    by_word = await chat.say("sam", "compassion-steps empathy")
    assert headings(by_number) == headings(by_word)
    assert "Cultivate empathy" in headings(by_number)[0]
    assert any(isinstance(block, Bullets) for block in by_number.blocks)


async def test_an_unknown_step_gets_a_kind_reply_that_shows_what_works(chat: Chat) -> None:
    reply = await chat.say("sam", "compassion-steps 9")
    assert "six steps" in reply.plain_text()
    assert "compassion-steps" in reply.plain_text()


async def test_tips_list_the_empathy_to_action_phrases(chat: Chat) -> None:
    reply = await chat.say("sam", "compassion-steps tips")
    assert "empathy" in headings(reply)[0].lower()
    assert sum(isinstance(block, Bullets) for block in reply.blocks) >= 3


async def test_practice_shows_the_current_sections_wellness_practice(chat: Chat) -> None:
    reply = await chat.say("sam", "practice")
    assert "MIND" in headings(reply)[0]
    assert any(isinstance(block, Bullets) for block in reply.blocks)


async def test_todays_prompt_is_the_same_for_everyone_and_changes_by_day(chat: Chat, clock) -> None:
    first = await chat.say("sam", "prompt")
    assert (await chat.say("lee", "prompt")).plain_text() == first.plain_text()
    clock.advance(days=1)
    assert (await chat.say("sam", "prompt")).plain_text() != first.plain_text()


async def test_help_lists_the_commands_and_facilitators_see_theirs(chat: Chat) -> None:
    staff = (await chat.say("sam", "help")).plain_text()
    facilitator = (await chat.say("fran", "help")).plain_text()
    assert "checkin" in staff and "scenario" in staff
    assert "section 2" not in staff
    assert "section 2" in facilitator


async def test_only_a_facilitator_moves_the_team_to_another_section(chat: Chat) -> None:
    refused = await chat.say("sam", "section 2")
    assert "only a facilitator or leader" in refused.plain_text()
    moved = await chat.say("fran", "section 2")
    assert "now on Section 2" in moved.summary
    assert "Section 2" in headings(await chat.say("sam", "section"))[0]


async def test_an_unknown_command_gets_a_kind_reply(chat: Chat) -> None:
    reply = await chat.say("sam", "please dance")
    assert "glad you're here" in reply.plain_text()
    assert reply.private


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=st.text(max_size=80))
async def test_no_input_ever_raises(chat: Chat, line: str) -> None:
    reply = await chat.say("sam", line)
    assert reply.summary


async def test_buttons_carry_commands_the_router_understands(chat: Chat) -> None:
    reply = await chat.say("sam", "compassion-steps")
    commands = [
        b.command for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    ]
    assert len(commands) == 6
    for command in commands:
        followed = await chat.say("sam", command)
        assert followed.summary.startswith("Step ")


@pytest.mark.parametrize(
    ("permanent", "words"),
    [(True, "add me to it"), (False, "try again in a moment")],
)
async def test_a_post_the_platform_refuses_gets_a_kind_reply_not_a_failure(
    chat: Chat, caplog: pytest.LogCaptureFixture, permanent: bool, words: str
) -> None:
    async def refused(target: Target, reply: Reply) -> MessageRef:
        raise DeliveryError("not_in_channel", permanent=permanent)

    chat.port.send = refused  # type: ignore[method-assign]

    with caplog.at_level(logging.INFO, logger="bot.core"):
        reply = await chat.say("fran", "checkin")

    assert words in reply.plain_text()
    # Other loggers may say something once per process (which test runs first varies).
    said = [record for record in caplog.records if record.name == "bot.core"]
    assert [record.getMessage() for record in said] == ["request could not post: not_in_channel"]
    assert not any(record.exc_info for record in caplog.records)
