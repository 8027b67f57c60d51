"""A card button pressed in the personal chat (`Action.Submit`, a message with `value` and
`replyToId`) is answered in the pressed card's place, over real HTTP to the fake connector."""

from __future__ import annotations

from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity, mention

PERSONAL = "a:personal-29:user-ada"


def pressed(connector: FakeBotConnector, command: str, card_id: str, **extra: object) -> dict:
    """What Teams posts when someone presses a card's Action.Submit button."""
    return activity(connector, value={"command": command}, replyToId=card_id, **extra)


async def test_a_button_pressed_in_the_personal_chat_replaces_the_card_pressed(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="scenario 1"))
    [page] = bot_connector.of_kind("reply", "send")
    bot_connector.calls.clear()

    await teams_endpoint.post(pressed(bot_connector, "scenario 1 1", "card-on-screen"))

    [turned] = bot_connector.calls
    assert turned.kind == "update" and turned.activity_id == "card-on-screen"
    assert turned.conversation == PERSONAL
    assert any("1 of 6" in text for text in turned.texts())
    assert turned.texts() != page.texts()


async def test_a_private_copy_of_a_check_in_answered_in_the_personal_chat_confirms_in_place(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("checkin")))
    [poll] = bot_connector.new_threads()
    command = poll.body["activity"]["attachments"][0]["content"]
    choice = next(
        action["data"]["command"]
        for action in _actions(command)
        if str(action.get("data", {}).get("command", "")).startswith("checkin 3 ")
    )
    bot_connector.calls.clear()

    await teams_endpoint.post(pressed(bot_connector, choice, "private-copy"))

    updates = bot_connector.of_kind("update")
    # The poll everyone sees is updated where it is, and the copy pressed confirms the answer.
    assert {call.activity_id for call in updates} == {"private-copy", poll.activity_id}
    [copy] = [call for call in updates if call.activity_id == "private-copy"]
    assert any("your answer is in" in text for text in copy.texts())
    [shared] = [call for call in updates if call.activity_id == poll.activity_id]
    assert not any("your answer is in" in text for text in shared.texts())
    assert bot_connector.of_kind("send", "reply", "create") == []


async def test_a_form_sent_in_the_personal_chat_is_answered_with_a_new_message(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="scenario 1"))
    bot_connector.calls.clear()
    value = {"command": "reflect 1 0", "crbot_form": True, "in_text": "A kind thought."}

    await teams_endpoint.post(activity(bot_connector, value=value, replyToId="walkthrough-page"))

    [saved] = bot_connector.calls
    assert saved.kind in ("send", "reply") and saved.conversation == PERSONAL


async def test_a_button_pressed_in_a_channel_leaves_the_shared_card_alone(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, kind="channel", **mention("help")))
    bot_connector.calls.clear()

    await teams_endpoint.post(
        pressed(bot_connector, "compassion-steps 3", "channel-card", kind="channel")
    )

    assert bot_connector.of_kind("update") == []
    [private] = bot_connector.of_kind("send", "reply")
    assert private.conversation == PERSONAL


async def test_a_card_that_cannot_be_replaced_gets_its_answer_as_a_new_message(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    await teams_endpoint.post(activity(bot_connector, text="scenario 1"))
    bot_connector.calls.clear()
    bot_connector.fail_next(404, "ActivityNotFound")

    await teams_endpoint.post(pressed(bot_connector, "scenario 1 1", "long-gone"))

    [answer] = bot_connector.calls
    assert answer.kind in ("send", "reply")
    assert any("1 of 6" in text for text in answer.texts())


def _actions(node: object) -> list[dict]:
    """Every action on a card, however deeply it sits."""
    found: list[dict] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for value in node.values():
            found += _actions(value)
    elif isinstance(node, list):
        for item in node:
            found += _actions(item)
    return found
