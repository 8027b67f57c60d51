"""Help and hints name each command as it must be typed where the person asked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Incoming, Person, Target
from tests.conftest import FakePort, FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_help_from_a_slack_channel_names_the_slash_command(stack: SlackStack) -> None:
    status, body = await stack.slack.command("help")

    assert status == 200
    words = json.dumps(json.loads(body)["blocks"])
    assert "`/compassion-steps ask ...`" in words
    assert "`/compassion-steps privacy show-me`" in words
    # The slash command is itself the steps: never `/compassion-steps compassion-steps`.
    assert "`/compassion-steps`" in words and "compassion-steps compassion-steps" not in words
    assert "`ask ...`" not in words


async def test_a_hint_in_a_slack_channel_names_the_slash_command(stack: SlackStack) -> None:
    _, body = await stack.slack.command("reflections")

    assert "`/compassion-steps scenario`" in json.dumps(json.loads(body)["blocks"])


async def test_help_in_a_slack_direct_message_takes_the_bare_words(stack: SlackStack) -> None:
    typed = {"type": "message", "channel_type": "im", "user": "U1", "text": "help"}
    typed |= {"channel": "D1", "ts": "1700000000.000300"}

    await stack.slack.event(typed, event_id="EvHelpDm")

    (answer,) = stack.fake.called("chat.postMessage")
    words = json.dumps(answer["blocks"])
    assert "`ask ...`" in words and "/compassion-steps ask" not in words


def teams_channel(text: str) -> Incoming:
    return Incoming(
        person=Person(tenant="teams:t1", user_id="29:ada"),
        place=Target(tenant="teams:t1", address="19:channel"),
        text=text,
        prefix="@crbot ",
        private_prefix="",
    )


async def test_a_teams_channel_hears_the_mention_and_a_personal_chat_the_bare_words(
    core: Core, port: FakePort
) -> None:
    welcome = (await core.welcome("teams:t1", "@crbot ")).plain_text()
    assert "`@crbot compassion-steps`" in welcome and "`@crbot checkin`" in welcome

    # Teams shows private replies in the personal chat, where the bare words work.
    private = await core.handle(teams_channel("help"), port)
    assert private.private
    assert "`ask ...`" in private.plain_text() and "@crbot" not in private.plain_text()


async def test_words_in_backticks_that_name_no_command_are_left_as_written(core: Core) -> None:
    vocabulary = core.commands.vocabulary
    fitted = vocabulary.fit(
        "Type `checkin reminders off`; the code is `K7Q2`.", "/compassion-steps "
    )
    assert fitted == "Type `/compassion-steps checkin reminders off`; the code is `K7Q2`."


def typed_in_a_teams_channel(text: str) -> Incoming:
    return teams_channel(text).model_copy(update={"typed_publicly": True})


@pytest.mark.parametrize(
    "line",
    ["ask Could we talk about breaks?", "suggest A quiet room", "drivers add Short staffing"],
)
async def test_anonymous_words_typed_where_everyone_reads_them_are_not_kept(
    core: Core, port: FakePort, line: str
) -> None:
    reply = await core.handle(typed_in_a_teams_channel(line), port)

    assert reply.private
    assert "haven't kept it" in reply.plain_text()
    assert await core.services.asks.open_asks("teams:t1") == []
    assert await core.services.drivers.board("teams:t1", "19:channel") == []
    assert port.private == [] and port.sent == []


async def test_the_same_words_from_a_private_chat_are_kept_anonymously(
    core: Core, port: FakePort
) -> None:
    private = teams_channel("ask Could we talk about breaks?").model_copy(
        update={
            "prefix": "",
            "private_place": True,
            "place": Target(tenant="teams:t1", address="a:1"),
        }
    )
    reply = await core.handle(private, port)

    assert "haven't kept it" not in reply.plain_text()
    (kept,) = await core.services.asks.open_asks("teams:t1")
    assert kept.text == "Could we talk about breaks?"


async def test_a_teams_channel_is_pointed_to_a_private_chat_for_anonymous_commands(
    core: Core,
) -> None:
    welcome = (await core.welcome("teams:t1", "@crbot ")).plain_text()

    assert "`ask ...` in a private chat with me" in welcome
    assert "`@crbot ask" not in welcome and "`@crbot suggest" not in welcome
    assert "`@crbot practice`" in welcome


async def test_a_fitted_reply_is_kept_only_as_long_as_the_reply_it_fits(
    core: Core, port: FakePort
) -> None:
    import gc

    channel = teams_channel("reflect I kept my door open").model_copy(
        update={"private_prefix": None}
    )
    steps = core.fit(await core.handle(teams_channel("compassion-steps 3"), port), "@crbot ")
    again = core.fit(await core.handle(teams_channel("compassion-steps 3"), port), "@crbot ")
    assert steps is again  # the steps are shared, and fitted to the place once

    await core.handle(teams_channel("scenario 1"), port)
    gc.collect()
    before = len(core._fitted)
    words = (await core.handle(channel, port)).plain_text()
    gc.collect()

    assert "Saved" in words
    assert len(core._fitted) == before  # nothing of one person's reply stays behind
