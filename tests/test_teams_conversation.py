"""Conversation logic through botbuilder's TestAdapter, no network: push an activity, pop a card."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.activities import command_text, incoming_of
from adapters.teams.auth import authentication
from adapters.teams.bot import TeamsBot
from adapters.teams.connector import ConnectorSession
from adapters.teams.port import TeamsPort
from adapters.teams.references import ReferenceStore
from bot.core import Core
from bot.settings import Settings
from bot.storage.engine import sessions
from bot.storage.seen import SeenRequestStore
from tests.fakes.bot_connector import TENANT


def card_of(reply: Activity) -> dict[str, Any]:
    return dict(reply.attachments[0].content)


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for item in card["body"] if item["type"] == "ActionSet" for a in item["actions"]]


def texts(card: dict[str, Any]) -> str:
    return "\n".join(item.get("text", "") for item in card["body"])


@pytest.fixture
def adapter(engine: AsyncEngine, core: Core, connector_session: ConnectorSession) -> TestAdapter:
    references = ReferenceStore(sessions(engine))
    auth = authentication(Settings(teams_enabled=True), connector_session)
    port = TeamsPort(CloudAdapter(auth), references, "")
    seen = SeenRequestStore(sessions(engine), core.services.clock)
    bot = TeamsBot(core, port, references, seen, connector_session)
    template = Activity(
        channel_id="msteams",
        service_url="https://smba.example/",
        from_property=ChannelAccount(id="29:user-ada", name="Ada"),
        recipient=ChannelAccount(id="28:crbot", name="crbot"),
        conversation=ConversationAccount(
            id="a:personal", conversation_type="personal", tenant_id=TENANT
        ),
    )
    return TestAdapter(bot.on_turn, template)


def pop(adapter: TestAdapter) -> dict[str, Any]:
    reply = adapter.get_next_activity()
    assert reply is not None, "the bot did not reply"
    return card_of(reply)


async def test_next_and_back_buttons_walk_through_a_scenario_step_by_step(
    adapter: TestAdapter,
) -> None:
    await adapter.send("scenario 1")
    start = pop(adapter)
    [next_button] = [a for a in actions(start) if a["title"] == "Next"]

    await adapter.send(Activity(type="message", value=next_button["data"]))
    step_one = pop(adapter)
    assert texts(step_one) != texts(start)
    [back] = [a for a in actions(step_one) if a["title"] == "Back"]

    await adapter.send(Activity(type="message", value=back["data"]))
    assert texts(pop(adapter)) == texts(start)


async def test_an_empty_message_is_answered_with_help(adapter: TestAdapter) -> None:
    await adapter.send(Activity(type="message", text="  "))

    assert "compassion-steps" in texts(pop(adapter))


def test_the_bots_mention_is_stripped_even_when_the_mention_entity_is_malformed() -> None:
    activity = Activity(
        type="message",
        text="<at>crbot</at> scenario 2",
        recipient=ChannelAccount(id="28:crbot"),
        entities=[{"type": "mention", "text": "<at>crbot</at>"}],
    )

    assert command_text(activity) == "scenario 2"


def test_a_message_without_a_sender_is_not_passed_to_the_core() -> None:
    activity = Activity(type="message", text="help", conversation=ConversationAccount(id="c"))

    assert incoming_of(activity) is None
