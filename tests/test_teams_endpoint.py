"""The Teams endpoint over real HTTP: activities shaped as Teams sends them, replies to a fake."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.storage.tables import AskRow
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import (
    CHANNEL,
    TENANT,
    Call,
    FakeBotConnector,
    activity,
    members_added,
    mention,
)

TEAMS_TENANT = f"teams:{TENANT}"


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a card, depth first."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in walk(value))]
    if isinstance(node, list):
        return [found for item in node for found in walk(item)]
    return []


async def test_a_typed_step_command_in_a_personal_chat_is_answered_with_that_step_as_a_card(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    status = await teams_endpoint.post(activity(bot_connector, text="compassion-steps 3"))

    assert status == 201
    [reply] = bot_connector.of_kind("send", "reply")
    assert reply.conversation == "a:personal-29:user-ada"
    assert reply.card["type"] == "AdaptiveCard" and reply.card["version"] == "1.5"
    assert any("3" in text for text in reply.texts())


async def test_the_mention_of_the_bot_is_removed_before_the_command_is_read(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="groupChat", **mention("help")))

    # help is private: it goes to the person's personal chat, opened for the purpose.
    [opened] = bot_connector.of_kind("create")
    assert opened.body["members"] == [{"id": "29:user-ada"}]
    [reply] = bot_connector.of_kind("send", "reply")
    assert reply.conversation == "a:personal-29:user-ada"
    assert "What I can do" not in reply.texts()  # the summary is not the card
    assert any("compassion-steps" in text for text in reply.texts())


async def test_a_card_submit_sends_the_buttons_command_and_its_form_answers_to_the_core(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="scenario 1"))
    value = {"command": "reflect 1 0", "crbot_form": True, "in_text": "I would listen first."}

    status = await teams_endpoint.post(activity(bot_connector, value=value))

    assert status == 201
    reflections = await core.services.walkthroughs.reflections_of(
        TEAMS_TENANT, core.services.pseudonyms.of(TEAMS_TENANT, "29:user-ada")
    )
    assert "I would listen first." in [reflection.text for reflection in reflections]


async def test_a_check_in_answer_updates_the_poll_card_in_place_and_thanks_privately(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()
    choices = posted.card["body"][2]["actions"]
    # Universal Actions, each falling back to a plain submit (as a host before them sends).
    assert [a["type"] for a in choices] == ["Action.Execute"] * 6
    assert all(
        a["fallback"] == {"type": "Action.Submit", "title": a["title"], "data": a["data"]}
        for a in choices
    )
    answer = activity(
        bot_connector,
        kind="channel",
        user="29:user-bo",
        value=choices[4]["data"],
        replyToId=posted.activity_id,
    )

    assert await teams_endpoint.post(answer) == 201

    [updated] = bot_connector.of_kind("update")
    assert updated.activity_id == posted.activity_id
    assert "1 person has answered. Figures appear once 3 people have answered." in updated.texts()
    thanks = [c for c in bot_connector.of_kind("send", "reply") if "bo" in c.conversation]
    assert thanks and thanks[0].conversation == "a:personal-29:user-bo"


async def test_a_low_check_in_answer_brings_its_note_in_the_private_thanks_like_any_answer(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()
    actions = posted.card["body"][2]["actions"]

    async def answer(user: str, choice: int) -> list[Call]:
        """Answer as `user`; the Bot Connector calls that answer made."""
        start = len(bot_connector.calls)
        value = actions[choice]["data"]
        assert (
            await teams_endpoint.post(
                activity(bot_connector, kind="channel", user=user, value=value)
            )
            == 201
        )
        return bot_connector.calls[start:]

    low, high = await answer("29:user-cy", 0), await answer("29:user-dee", 5)

    def shape(calls: list[Call], user: str) -> list[tuple[str, str]]:
        return [(call.kind, call.conversation.replace(user, "someone")) for call in calls]

    # The same requests in the same order: the poll card's update, then the private thanks.
    assert shape(low, "29:user-cy") == shape(high, "29:user-dee")
    assert [call.kind for call in low] == ["update", "create", "reply"]
    low_private = " ".join(t for c in low if c.conversation.endswith("cy") for t in c.texts())
    high_private = " ".join(t for c in high if c.conversation.endswith("dee") for t in c.texts())
    assert "A note, just for you" in low_private and "your answer is in" in low_private
    assert "A note" not in high_private and "your answer is in" in high_private
    assert all("A note" not in " ".join(c.texts()) for c in bot_connector.of_kind("update"))


async def test_installing_the_bot_in_a_team_posts_a_welcome_and_stores_the_channel(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    assert await teams_endpoint.post(members_added(bot_connector)) == 201

    [welcome] = bot_connector.of_kind("send", "reply")
    assert welcome.conversation == CHANNEL
    references = teams_endpoint.teams.references
    assert await references.get(TEAMS_TENANT, CHANNEL) is not None


async def test_people_joining_a_team_get_no_roster_look_ups_and_no_welcome(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    joined = members_added(bot_connector, member="29:user-new")

    assert await teams_endpoint.post(joined) == 201
    assert bot_connector.calls == []


async def test_uninstalling_from_a_team_removes_its_stored_references(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    references = teams_endpoint.teams.references
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("help")))
    assert await references.get(TEAMS_TENANT, CHANNEL) is not None
    removed = activity(
        bot_connector, kind="channel", activity_type="installationUpdate", action="remove"
    )

    assert await teams_endpoint.post(removed) == 201

    assert await references.get(TEAMS_TENANT, CHANNEL) is None
    assert await references.personal(TEAMS_TENANT, "29:user-ada") is not None


async def test_a_submit_without_a_command_gets_a_kind_reply(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    status = await teams_endpoint.post(activity(bot_connector, value={"nonsense": [1, 2]}))

    assert status == 201
    [reply] = bot_connector.of_kind("send", "reply")
    assert "I didn't quite catch that." in reply.texts()


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"{not json", "application/json", 400),
        (b'["a list"]', "application/json", 400),
        (b'{"type": "message"}', "application/json", 400),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
    ids=["broken-json", "not-an-object", "no-conversation", "form-encoded"],
)
async def test_requests_that_are_not_activities_are_refused_with_a_4xx(
    teams_endpoint: TeamsEndpoint, body: bytes, content_type: str, expected: int
) -> None:
    headers = {"Content-Type": content_type}
    async with teams_endpoint.client.post(teams_endpoint.url, data=body, headers=headers) as r:
        assert r.status == expected


async def test_with_credentials_set_requests_without_a_valid_token_get_401_never_500(
    engine: AsyncEngine, core: Core, bot_connector: FakeBotConnector
) -> None:
    from aiohttp.test_utils import TestServer

    from adapters.teams.service import build_teams
    from bot.settings import Settings
    from crbot.web import build_app

    settings = Settings(MicrosoftAppId="00000000-1111-2222-3333-444444444444")
    teams = build_teams(settings, core, engine)
    server = TestServer(build_app(engine, [teams.mount]), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        endpoint = TeamsEndpoint(str(server.make_url("/api/messages")), teams, None)  # type: ignore[arg-type]
        async with aiohttp.ClientSession() as client:
            endpoint.client = client
            body = activity(bot_connector, text="help")
            assert await endpoint.post(body) == 401
            assert await endpoint.post(body, token="notajwt") == 401
            assert await endpoint.post(body, token="a.b.c") == 401
    finally:
        await server.close()
    assert bot_connector.calls == []


async def test_a_team_channel_thread_and_its_channel_share_one_stored_reference(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    thread = f"{CHANNEL};messageid=1700000000000"
    await teams_endpoint.post(
        activity(bot_connector, kind="channel", conversation=thread, **mention("steps"))
    )

    stored = await teams_endpoint.teams.references.get(TEAMS_TENANT, thread)
    assert stored is not None and stored["conversation"]["id"] == thread
    channel = await teams_endpoint.teams.references.get(TEAMS_TENANT, CHANNEL)
    assert channel is not None and channel["conversation"]["id"] == CHANNEL


async def test_home_typed_in_a_personal_chat_shows_the_persons_home_card(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="home"))

    [reply] = bot_connector.of_kind("send", "reply")
    assert reply.conversation == "a:personal-29:user-ada"
    assert "glad you're here" not in str(reply.texts())


async def test_a_form_asking_for_a_channel_offers_the_channels_the_bot_was_added_to(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(members_added(bot_connector, team="Nursing"))

    # fran facilitates: her home card has the schedule form, which asks for a channel.
    await teams_endpoint.post(activity(bot_connector, text="home", user="fran"))

    home = bot_connector.of_kind("send", "reply")[-1]
    inputs = [node for node in walk(home.card) if node.get("id") == "in_channel"]
    assert inputs and all(node["type"] == "Input.ChoiceSet" for node in inputs)
    assert inputs[0]["choices"] == [{"title": "Nursing / General", "value": CHANNEL}]


async def test_a_reply_the_connector_refuses_is_logged_and_the_request_still_succeeds(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot_connector.fail_next(500, "InternalServerError", times=2)

    status = await teams_endpoint.post(activity(bot_connector, text="compassion-steps"))

    assert status == 201
    assert bot_connector.calls == []
    failed = [r for r in caplog.records if r.getMessage() == "Teams reply not delivered"]
    assert failed and getattr(failed[0], "tenant", None) == TEAMS_TENANT
    assert getattr(failed[0], "status", None) == "teams:500:InternalServerError"
    assert "compassion-steps" not in caplog.text


async def test_a_shareable_private_reply_can_be_shared_in_the_channel_it_was_asked_from(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(
        activity(bot_connector, kind="channel", **mention("compassion-steps 3"))
    )
    [private] = bot_connector.of_kind("send", "reply")
    assert private.conversation == "a:personal-29:user-ada"
    [share] = [n for n in walk(private.card) if n.get("title") == "Share in channel"]

    await teams_endpoint.post(activity(bot_connector, value=share["data"]))

    [shared] = bot_connector.new_threads()
    assert shared.body["channelData"] == {"channel": {"id": CHANNEL}}
    assert shared.texts()[0] == private.texts()[0]
    assert all(n.get("title") != "Share in channel" for n in walk(shared.card))


async def test_a_reply_that_is_not_shareable_offers_no_share_button(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("reflections")))

    [private] = bot_connector.of_kind("send", "reply")
    assert all(n.get("title") != "Share in channel" for n in walk(private.card))


async def test_an_install_sends_one_welcome_though_teams_announces_it_twice(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    added = activity(
        bot_connector, kind="channel", activity_type="installationUpdate", action="add"
    )

    assert await teams_endpoint.post(added) == 201
    assert await teams_endpoint.post(members_added(bot_connector)) == 201

    assert len(bot_connector.of_kind("send", "reply")) == 1
    assert await teams_endpoint.teams.references.get(TEAMS_TENANT, CHANNEL) is not None


async def test_a_personal_install_welcomes_the_person_with_their_home_card(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    added = activity(
        bot_connector, activity_type="conversationUpdate", membersAdded=[{"id": "28:crbot-app-id"}]
    )

    assert await teams_endpoint.post(added) == 201

    [welcome] = bot_connector.of_kind("send", "reply")
    assert welcome.conversation == "a:personal-29:user-ada"
    assert any(text.startswith("Now: Section 1") for text in welcome.texts())
    references = teams_endpoint.teams.references
    assert await references.personal(TEAMS_TENANT, "29:user-ada") is not None


async def test_a_message_the_bot_framework_sends_again_is_answered_once(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, engine: AsyncEngine
) -> None:
    asked = activity(bot_connector, text="ask Could we have a quiet room?")

    def answers_to_ada() -> int:
        return len(
            [c for c in bot_connector.of_kind("send", "reply") if "user-ada" in c.conversation]
        )

    assert await teams_endpoint.post(asked) == 201
    assert await teams_endpoint.post(asked) == 201  # the same activity id, resent

    assert answers_to_ada() == 1
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(AskRow)) == 1
    again = activity(bot_connector, text="ask Could we have a quiet room?")
    assert await teams_endpoint.post(again) == 201  # a new message with the same words counts
    assert answers_to_ada() == 2
