"""Invoke activities over real HTTP: Universal Actions (`Action.Execute`, sent as the invoke
`adaptiveCard/action`) run like card submits, and every other invoke gets a valid answer."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.core import Core
from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import TENANT, FakeBotConnector, activity, mention

TEAMS_TENANT = f"teams:{TENANT}"
MESSAGE = "application/vnd.microsoft.activity.message"
CARD = "application/vnd.microsoft.card.adaptive"

Json = dict[str, Any]


def execute(
    connector: FakeBotConnector, *, verb: str | None = None, data: Json | None = None, **extra: Any
) -> Json:
    """The invoke Teams sends when someone presses an `Action.Execute` button."""
    action: Json = {"type": "Action.Execute", "id": "act-1"}
    if verb is not None:
        action["verb"] = verb
    if data is not None:
        action["data"] = data
    value = {"action": action, "trigger": "manual"}
    return activity(
        connector, activity_type="invoke", name="adaptiveCard/action", value=value, **extra
    )


async def invoke(endpoint: TeamsEndpoint, body: Json) -> tuple[int, Any]:
    """Post an invoke; the HTTP status and the JSON it answered with (None when empty)."""
    async with endpoint.client.post(endpoint.url, json=body) as response:
        raw = await response.read()
        return response.status, (await response.json() if raw else None)


async def test_an_action_execute_in_a_personal_chat_answers_with_the_reply_card_in_place(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    body = execute(bot_connector, verb="steps", data={"command": "compassion-steps 3"})

    status, answer = await invoke(teams_endpoint, body)

    assert status == 200
    assert answer["statusCode"] == 200 and answer["type"] == CARD
    card = answer["value"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert any("3" in str(item.get("text", "")) for item in card["body"])
    # The card replaces the one pressed: nothing is posted besides.
    assert bot_connector.of_kind("send", "reply", "create") == []


async def test_an_action_execute_with_only_a_verb_runs_the_verb_as_the_command(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    status, answer = await invoke(teams_endpoint, execute(bot_connector, verb="compassion-steps 3"))

    assert status == 200 and answer["type"] == CARD
    assert "glad you're here" not in str(answer["value"])


async def test_an_action_execute_in_a_channel_sends_a_private_reply_privately_and_says_so(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("help")))
    bot_connector.calls.clear()
    body = execute(bot_connector, kind="channel", data={"command": "compassion-steps 3"})

    status, answer = await invoke(teams_endpoint, body)

    assert status == 200
    assert answer == {
        "statusCode": 200,
        "type": MESSAGE,
        "value": "I've replied in our personal chat.",
    }
    [reply] = bot_connector.of_kind("send", "reply")
    assert reply.conversation == "a:personal-29:user-ada"


def texts(card: Json) -> list[str]:
    """Every TextBlock's text on a card, shown cards included."""
    found: list[str] = []
    if isinstance(card, dict):
        for key, item in card.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found += texts(item)
    elif isinstance(card, list):
        for item in card:
            found += texts(item)
    return found


async def test_a_check_in_answered_by_action_execute_updates_the_poll_and_confirms_to_the_presser(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()
    choices = posted.card["body"][2]["actions"]
    bot_connector.calls.clear()

    answers = []
    for user, choice in (("29:user-cy", 0), ("29:user-dee", 5)):
        body = execute(bot_connector, kind="channel", user=user, data=choices[choice]["data"])
        body["replyToId"] = posted.activity_id
        answers.append(await invoke(teams_endpoint, body))

    # The card pressed is answered in place, for the presser alone: the poll as it now is,
    # the number they chose, and (after a low answer) the support note.
    said = ("**0 · Fist**", "**5 · Five fingers**")
    for (status, answer), chose in zip(answers, said, strict=True):
        assert status == 200 and answer["type"] == CARD
        words = texts(answer["value"])
        assert any(chose in line for line in words) and "Only you can see this." in words
        assert any("people have answered" in line or "person has" in line for line in words)
    assert "Call the EAP at 555-0100." in texts(answers[0][1]["value"])
    assert "Call the EAP at 555-0100." not in texts(answers[1][1]["value"])
    # Everyone's copy is updated in place, with counts only; nothing new is posted.
    updates = bot_connector.of_kind("update")
    assert [u.activity_id for u in updates] == [posted.activity_id] * 2
    shared = " ".join(updates[-1].texts())
    assert "2 people have answered. Figures appear once 3 people have answered." in shared
    assert not any(chose in shared for chose in said) and "EAP" not in shared
    assert bot_connector.of_kind("send", "reply", "create") == []


async def test_answering_a_private_copy_of_the_poll_confirms_in_the_copy_and_updates_the_poll(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [posted] = bot_connector.new_threads()
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [copy] = bot_connector.of_kind("send", "reply", "create")[-1:]
    assert copy.conversation == "a:personal-29:user-ada"
    bot_connector.calls.clear()
    three = copy.card["body"][2]["actions"][3]["data"]

    status, answer = await invoke(teams_endpoint, execute(bot_connector, data=three))

    assert status == 200 and answer["type"] == CARD
    words = texts(answer["value"])
    assert any("**3 · Three fingers**" in line for line in words)
    assert "1 person has answered. Figures appear once 3 people have answered." in words
    [updated] = bot_connector.of_kind("update")
    assert updated.activity_id == posted.activity_id
    assert bot_connector.of_kind("send", "reply", "create") == []


async def test_an_action_execute_carries_its_form_answers_to_the_core(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, core: Core
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="scenario 1"))
    data = {"command": "reflect 1 0", "crbot_form": True, "in_text": "I would listen first."}

    status, _ = await invoke(teams_endpoint, execute(bot_connector, data=data))

    assert status == 200
    reflections = await core.services.walkthroughs.reflections_of(
        TEAMS_TENANT, core.services.pseudonyms.of(TEAMS_TENANT, "29:user-ada")
    )
    assert "I would listen first." in [reflection.text for reflection in reflections]


async def test_an_action_execute_without_a_command_is_answered_kindly_and_the_card_stays(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    status, answer = await invoke(teams_endpoint, execute(bot_connector, data={"x": 1}))

    assert status == 200
    assert answer == {"statusCode": 200, "type": MESSAGE, "value": "I didn't quite catch that."}
    assert bot_connector.calls == []


@pytest.mark.parametrize(
    "value",
    [None, "press", [1, 2], {"trigger": "manual"}, {"action": "go"}, {"action": {"type": "x"}}],
    ids=["none", "a-string", "a-list", "no-action", "action-a-string", "not-execute"],
)
async def test_a_malformed_card_action_is_a_400_with_an_error_body(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, value: Any
) -> None:
    body = activity(bot_connector, activity_type="invoke", name="adaptiveCard/action")
    if value is not None:
        body["value"] = value

    status, answer = await invoke(teams_endpoint, body)

    assert status == 400
    assert answer["statusCode"] == 400
    assert answer["type"] == "application/vnd.microsoft.error"
    assert answer["value"]["code"] == "BadRequest" and answer["value"]["message"]
    assert bot_connector.calls == []


@pytest.mark.parametrize(
    "name", ["composeExtension/query", "task/fetch", "signin/verifyState", "no/such", None]
)
async def test_an_invoke_the_bot_does_not_handle_is_answered_200_and_logged(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    name: str | None,
) -> None:
    caplog.set_level(logging.INFO)
    body = activity(bot_connector, activity_type="invoke", value={"anything": [1]})
    if name is not None:
        body["name"] = name

    status, answer = await invoke(teams_endpoint, body)

    assert (status, answer) == (200, None)
    [logged] = [r for r in caplog.records if r.getMessage() == "Teams invoke not handled"]
    assert logged.levelno == logging.INFO and getattr(logged, "command", None) == (name or "")
    assert bot_connector.calls == []


async def test_an_action_execute_whose_reply_cannot_be_delivered_still_gets_an_answer(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("help")))
    bot_connector.fail_next(403, "Forbidden", times=20)
    body = execute(bot_connector, kind="channel", data={"command": "compassion-steps 3"})

    status, answer = await invoke(teams_endpoint, body)

    assert status == 200
    assert answer["statusCode"] == 200 and answer["type"] == MESSAGE
    assert answer["value"].startswith("Something went wrong on my side")
