"""Free text, hellos and thanks get a warm word and what the bot can offer, never an error."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands import GREETINGS, PREFIX
from bot.core import Core
from bot.handlers import discover
from bot.messages import Buttons, Reply
from tests.conftest import Chat, FrozenClock
from tests.fakes.slack_api import running_slack

VOCABULARY = discover().vocabulary
NAMES, ALIASES, parse = VOCABULARY.names, VOCABULARY.aliases, VOCABULARY.parse


def commands_offered(reply: Reply) -> list[str]:
    return [
        b.command for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons
    ]


async def test_free_text_gets_a_warm_line_not_a_bare_error(chat: Chat) -> None:
    reply = await chat.say("ana", "what is this even")

    assert "catch that" not in reply.plain_text()
    assert "glad you're here" in reply.summary


async def test_free_text_offers_a_practice_and_the_six_steps_as_buttons(chat: Chat) -> None:
    reply = await chat.say("ana", "banana")

    assert commands_offered(reply) == ["practice", "compassion-steps"]


async def test_the_buttons_offered_lead_somewhere_real(chat: Chat) -> None:
    for command in commands_offered(await chat.say("ana", "banana")):
        assert parse(command).name in NAMES


async def test_free_text_says_how_to_ask_leadership_anonymously(chat: Chat) -> None:
    text = (await chat.say("ana", "banana")).plain_text()

    assert "anonymously" in text and "type `ask`" in text


async def test_free_text_points_to_the_installations_support_resources(chat: Chat) -> None:
    assert "Call the EAP at 555-0100." in (await chat.say("ana", "banana")).plain_text()


@pytest.mark.parametrize(
    "typed", ["hi", "Hello", "HEY!", "good morning", "Good Morning!!", "hello.", "hi?"]
)
async def test_a_hello_is_greeted_with_the_same_offer(chat: Chat, typed: str) -> None:
    reply = await chat.say("ana", typed)

    assert reply.summary.startswith("Hello")
    assert commands_offered(reply) == ["practice", "compassion-steps"]
    assert "glad you're here" not in reply.plain_text()


@pytest.mark.parametrize("typed", ["thanks", "Thank you!", "THX", "thank you.", "thanks!!"])
async def test_a_thanks_gets_a_you_are_welcome_with_the_same_offer(chat: Chat, typed: str) -> None:
    reply = await chat.say("ana", typed)

    assert reply.summary.startswith("You're welcome")
    assert commands_offered(reply) == ["practice", "compassion-steps"]


def test_a_greeting_carries_only_its_kind_never_the_words_typed() -> None:
    assert parse("Thank you!") == parse("thx")
    assert parse("Hey!!").rest == ""


def test_a_greeting_inside_a_longer_line_is_not_a_greeting() -> None:
    assert parse("hi there, how do I ask").name == "unknown"


def test_greetings_never_shadow_a_command_name_or_alias() -> None:
    taken = NAMES | set(ALIASES) | {PREFIX}
    assert not taken & set(GREETINGS)
    assert parse("?").name == "help"


async def test_nothing_typed_reaches_the_logs(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await chat.say("ana", "my secret words")
        await chat.say("ana", "Thank you!")

    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "secret" not in logged and "Thank you" not in logged
    commands = [getattr(r, "command", None) for r in caplog.records if hasattr(r, "command")]
    assert "unknown" in commands and "greeting" in commands


async def test_in_slack_a_hello_shows_the_offer_as_buttons_that_run_their_commands(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        status, body = await stack.slack.command("hello!")
        assert status == 200
        blocks = json.loads(body)["blocks"]
        shown = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert [e["text"]["text"] for e in shown] == ["A wellness practice", "The six steps"]

        status, _ = await stack.slack.click(shown[0], ephemeral=True)
        assert status == 200


def test_a_greeting_after_the_slash_command_is_still_a_greeting() -> None:
    assert parse("/compassion-steps Thanks!").args == ("thanks",)
