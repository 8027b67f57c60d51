"""User-specific views of the shared check-in poll over real HTTP: the poll card's refresh
brings the presser's own view back after the poll's update for everyone, and shows everyone
else the shared card, which never names anyone's answer."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity, mention
from tests.test_teams_card_actions import CARD, execute, invoke, texts

Json = dict[str, Any]
CHOSE_THREE = "You chose **3 · Three fingers**. Thank you, your answer is in."


def refreshing(connector: FakeBotConnector, refresh: Json, user: str) -> Json:
    """The invoke a viewer's Teams client sends on its own when a card with `refresh` shows."""
    action = refresh["action"]
    body = execute(connector, kind="channel", user=user, verb=action["verb"], data=action["data"])
    body["value"]["trigger"] = "automatic"
    return body


async def answered_poll(endpoint: TeamsEndpoint, connector: FakeBotConnector) -> Json:
    """A channel poll that 29:user-cy answered with a 3; the poll card as last updated."""
    await endpoint.post(activity(connector, kind="channel", **mention("checkin")))
    [posted] = connector.new_threads()
    three = posted.card["body"][2]["actions"][3]["data"]
    body = execute(connector, kind="channel", user="29:user-cy", data=three)
    body["replyToId"] = posted.activity_id
    status, answer = await invoke(endpoint, body)
    assert status == 200 and answer["type"] == CARD
    [updated] = connector.of_kind("update")
    return updated.card


async def test_the_shared_poll_card_asks_each_viewer_to_refresh_without_naming_anyone(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()

    refresh = posted.card["refresh"]

    assert refresh["action"]["type"] == "Action.Execute"
    assert refresh["action"]["verb"] == "refreshPoll"
    assert refresh["action"]["data"]["crbot_refresh"]
    # A list of who answered would reach every member's client with the card.
    assert "userIds" not in refresh


async def test_the_presser_refreshing_the_updated_poll_sees_their_own_answer_again(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    shared = await answered_poll(teams_endpoint, bot_connector)
    assert CHOSE_THREE not in texts(shared)
    bot_connector.calls.clear()

    status, answer = await invoke(
        teams_endpoint, refreshing(bot_connector, shared["refresh"], "29:user-cy")
    )

    assert status == 200 and answer["type"] == CARD
    words = texts(answer["value"])
    assert CHOSE_THREE in words and "Only you can see this." in words
    assert "1 person has answered. Figures appear once 3 people have answered." in words
    # The view is the invoke's answer alone: nothing is posted or updated for it.
    assert bot_connector.calls == []


async def test_someone_who_has_not_answered_is_shown_the_shared_card_on_refresh(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    shared = await answered_poll(teams_endpoint, bot_connector)

    status, answer = await invoke(
        teams_endpoint, refreshing(bot_connector, shared["refresh"], "29:user-dee")
    )

    assert status == 200 and answer["type"] == CARD
    assert answer["value"]["body"] == shared["body"]
    assert not any("You chose" in line for line in texts(answer["value"]))


async def test_a_changed_answer_is_the_one_the_presser_sees_on_refresh(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    shared = await answered_poll(teams_endpoint, bot_connector)
    one = next(
        action["data"]
        for action in shared["body"][2]["actions"]
        if action["data"]["command"].startswith("checkin 1 ")
    )
    await invoke(
        teams_endpoint, execute(bot_connector, kind="channel", user="29:user-cy", data=one)
    )

    _, answer = await invoke(
        teams_endpoint, refreshing(bot_connector, shared["refresh"], "29:user-cy")
    )

    words = texts(answer["value"])
    assert "You chose **1 · One finger**. Thank you, your answer is in." in words
    assert CHOSE_THREE not in words


async def test_a_refresh_of_a_poll_this_bot_has_not_shown_leaves_the_card_as_it_is(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    refresh = {"action": {"verb": "refreshPoll", "data": {"crbot_refresh": "no-such-poll"}}}

    status, answer = await invoke(teams_endpoint, refreshing(bot_connector, refresh, "29:user-cy"))

    assert status == 200 and answer is None
    assert bot_connector.calls == []


async def test_neither_the_choice_nor_who_chose_it_reaches_a_log_line(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        shared = await answered_poll(teams_endpoint, bot_connector)
        await invoke(teams_endpoint, refreshing(bot_connector, shared["refresh"], "29:user-cy"))

    # crbot's own lines; the SDKs' loggers are redacted apart (`crbot/logs.py`, its tests).
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("adapters", "bot", "crbot")]
    assert ours
    logged = " ".join(f"{record.getMessage()} {sorted(vars(record).items())}" for record in ours)
    assert "user-cy" not in logged and "Three fingers" not in logged
