"""A follow-up's preview, post, double press, edit and expiry on Slack and Teams, end to end:
signed requests to the real bolt app and activities to the real botbuilder CloudAdapter over
loopback HTTP, with the fake Slack Web API and the fake Bot Connector recording every call."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from tests.conftest import FrozenClock, TeamsEndpoint
from tests.fakes.bot_connector import CHANNEL, Call, FakeBotConnector
from tests.fakes.slack_api import SlackStack, running_slack
from tests.test_loop_on_teams import LEE, TEAMS_TENANT, Team, actions, team_of

Json = dict[str, Any]
WORDS = "Thank you all for Tuesday's circle."
NEW_WORDS = "Thank you all, and see you on Friday."


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    await core.services.team_settings.grant("slack:T1", "ULEE", "leader")
    async with running_slack(core, engine, clock) as running:
        yield running


def slack_button(blocks: list[Json], label: str) -> Json:
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return next(e for e in found if e["text"]["text"] == label)


def posts_in(stack: SlackStack, channel: str) -> list[Json]:
    return [m for m in stack.fake.called("chat.postMessage") if m["channel"] == channel]


def last_response(stack: SlackStack) -> Json:
    return stack.fake.responses[-1][1]


async def test_on_slack_the_preview_is_ephemeral_and_post_it_posts_once_on_a_double_press(
    stack: SlackStack,
) -> None:
    status, body = await stack.slack.command(f"follow-up {WORDS}", user="ULEE")
    assert status == 200
    preview = json.loads(body)
    assert preview["response_type"] == "ephemeral" and WORDS in json.dumps(preview["blocks"])
    assert posts_in(stack, "C1") == []

    post_it = slack_button(preview["blocks"], "Post it")
    for _ in range(2):  # a double press: the second arrives once the first has posted
        status, _ = await stack.slack.click(post_it, user="ULEE", ephemeral=True)
        assert status == 200
    (posted,) = posts_in(stack, "C1")
    assert WORDS in json.dumps(posted["blocks"]) and "From ulee" in json.dumps(posted["blocks"])
    first, second = (body for _, body in stack.fake.responses[-2:])
    assert first["replace_original"] and "Posted your follow-up in C1" in json.dumps(first)
    assert "already posted in C1" in json.dumps(second)

    status, _ = await stack.slack.click(post_it, user="U1", ephemeral=True)
    assert "only a facilitator or leader" in json.dumps(last_response(stack))
    assert len(posts_in(stack, "C1")) == 1


async def test_on_slack_edit_opens_the_words_in_a_modal_and_replace_updates_the_message(
    stack: SlackStack,
) -> None:
    _, body = await stack.slack.command(f"follow-up {WORDS}", user="ULEE")
    await stack.slack.click(
        slack_button(json.loads(body)["blocks"], "Post it"), user="ULEE", ephemeral=True
    )
    (posted,) = posts_in(stack, "C1")
    confirmation = last_response(stack)

    await stack.slack.click(
        slack_button(confirmation["blocks"], "Edit"), user="ULEE", ephemeral=True
    )
    (opened,) = await stack.fake.wait_for("views.open")
    (field,) = [b["element"] for b in opened["view"]["blocks"] if b["block_id"] == "text"]
    assert field["initial_value"] == WORDS
    status, _ = await stack.slack.submit(
        opened["view"], {"text": {"value": {"value": NEW_WORDS}}}, user="ULEE"
    )
    assert status == 200
    change = stack.fake.called("chat.postEphemeral")[-1]
    assert change["user"] == "ULEE" and NEW_WORDS in json.dumps(change["blocks"])
    assert stack.fake.called("chat.update") == []

    await stack.slack.click(
        slack_button(change["blocks"], "Replace it"), user="ULEE", ephemeral=True
    )
    (updated,) = stack.fake.called("chat.update")
    assert updated["channel"] == "C1" and updated["ts"] == "1700000000.000001"
    assert NEW_WORDS in json.dumps(updated["blocks"]) and WORDS not in json.dumps(updated)
    assert len(posts_in(stack, "C1")) == 1 and posted["channel"] == "C1"


async def test_on_slack_an_expired_draft_says_so_and_posts_nothing(
    stack: SlackStack, clock: FrozenClock
) -> None:
    _, body = await stack.slack.command(f"follow-up {WORDS}", user="ULEE")
    clock.advance(hours=25)
    await stack.slack.click(
        slack_button(json.loads(body)["blocks"], "Post it"), user="ULEE", ephemeral=True
    )
    assert "I no longer have that draft" in json.dumps(last_response(stack))
    assert posts_in(stack, "C1") == []


def draft_action(call: Call, verb: str) -> Json:
    """The data of the card's button for one of a draft's verbs (`post`, `edit`, ...)."""
    found = [a["data"] for a in actions(call.card) if a["data"]["command"].endswith(f" {verb}")]
    assert found, f"no {verb} button"
    return dict(found[0])


def in_channel(connector: FakeBotConnector) -> list[Call]:
    """Updates of messages in the channel (not of the cards pressed in a personal chat)."""
    return [c for c in connector.of_kind("update") if c.conversation == CHANNEL]


async def test_on_teams_the_preview_goes_to_the_leader_alone_and_post_it_posts_once(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(LEE, f"follow-up {WORDS}")
    preview = team.last_to(LEE)
    assert WORDS in preview.texts() and team.threads() == []

    post_it = draft_action(preview, "post")
    await team.dm(LEE, value=post_it)
    await team.dm(LEE, value=post_it)  # pressed again
    (posted,) = team.threads()
    assert posted.body["channelData"] == {"channel": {"id": CHANNEL}}
    assert WORDS in posted.texts()
    assert any("already posted" in t for t in team.last_to(LEE).texts())


async def test_on_teams_edit_is_a_card_form_and_replace_updates_the_posted_message(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team: Team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(LEE, f"follow-up {WORDS}")
    await team.dm(LEE, value=draft_action(team.last_to(LEE), "post"))
    (posted,) = team.threads()

    confirmation = team.last_to(LEE)
    assert any("Posted your follow-up" in t for t in confirmation.texts())
    await team.dm(LEE, value={**draft_action(confirmation, "edit"), "in_text": NEW_WORDS})
    change = team.last_to(LEE)
    assert NEW_WORDS in change.texts() and in_channel(bot_connector) == []

    await team.dm(LEE, value=draft_action(change, "replace"))
    (updated,) = in_channel(bot_connector)
    assert updated.activity_id == posted.activity_id and NEW_WORDS in updated.texts()
    assert len(team.threads()) == 1
    assert await core.services.roles_of(TEAMS_TENANT, LEE) >= {"leader"}


async def test_on_slack_delete_asks_first_and_then_removes_the_message(stack: SlackStack) -> None:
    _, body = await stack.slack.command(f"follow-up {WORDS}", user="ULEE")
    await stack.slack.click(
        slack_button(json.loads(body)["blocks"], "Post it"), user="ULEE", ephemeral=True
    )
    await stack.slack.click(
        slack_button(last_response(stack)["blocks"], "Delete"), user="ULEE", ephemeral=True
    )
    asked = last_response(stack)
    assert "Delete your follow-up from C1?" in json.dumps(asked)
    assert stack.fake.called("chat.delete") == []
    await stack.slack.click(slack_button(asked["blocks"], "Delete it"), user="ULEE", ephemeral=True)
    (deleted,) = stack.fake.called("chat.delete")
    assert deleted["channel"] == "C1" and deleted["ts"] == "1700000000.000001"
    assert "Deleted your follow-up from C1" in json.dumps(last_response(stack))


async def test_on_teams_delete_asks_first_and_then_removes_the_channel_message(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    team = await team_of(teams_endpoint, bot_connector, core)
    await team.channel(LEE, f"follow-up {WORDS}")
    await team.dm(LEE, value=draft_action(team.last_to(LEE), "post"))
    (posted,) = team.threads()
    await team.dm(LEE, value=draft_action(team.last_to(LEE), "delete"))
    asked = team.last_to(LEE)
    assert any("Delete your follow-up" in t for t in asked.texts())
    assert bot_connector.of_kind("delete") == []
    await team.dm(LEE, value=draft_action(asked, "remove"))
    (deleted,) = bot_connector.of_kind("delete")
    assert deleted.conversation == CHANNEL and deleted.activity_id == posted.activity_id
    assert any("Deleted your follow-up" in t for t in team.last_to(LEE).texts())
