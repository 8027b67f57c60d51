"""Proactive Teams sends through stored references, against the fake Bot Connector service."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.auth import authentication
from adapters.teams.bot import on_turn_error
from adapters.teams.connector import ConnectorSession
from adapters.teams.port import TeamsPort
from adapters.teams.references import ReferenceStore
from bot.errors import DeliveryError
from bot.messages import MessageRef, Person, Reply, Target, Text
from bot.settings import Settings
from bot.storage.engine import sessions
from tests.fakes.bot_connector import BOT, CHANNEL, TEAM, TENANT, FakeBotConnector

TEAMS_TENANT = f"teams:{TENANT}"
HELLO = Reply(summary="Hello", blocks=(Text(text="Hello, circle."),), private=False)


class Sleeps:
    """Records the waits the port asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def reference(connector: FakeBotConnector, conversation: str, kind: str) -> dict[str, Any]:
    """A conversation reference as botbuilder serialises one from an incoming activity."""
    return {
        "bot": BOT,
        "user": {"id": "29:user-ada"},
        "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": connector.url,
    }


@pytest.fixture
def references(engine: AsyncEngine) -> ReferenceStore:
    return ReferenceStore(sessions(engine))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


async def port_in_a_channel(
    references: ReferenceStore,
    connector: FakeBotConnector,
    sleeps: Sleeps,
    settings: Settings,
    session: ConnectorSession,
) -> TeamsPort:
    """A port built from `settings`, installed in the team's channel, sending over `session`."""
    adapter = CloudAdapter(authentication(settings, session))
    adapter.on_turn_error = on_turn_error
    await references.save(
        TEAMS_TENANT, reference(connector, CHANNEL, "channel"), kind="channel", team_id=TEAM
    )
    return TeamsPort(adapter, references, "", sleep=sleeps)


@pytest.fixture
async def teams_port(
    references: ReferenceStore,
    bot_connector: FakeBotConnector,
    sleeps: Sleeps,
    connector_session: ConnectorSession,
) -> TeamsPort:
    settings = Settings(teams_enabled=True)
    return await port_in_a_channel(references, bot_connector, sleeps, settings, connector_session)


async def test_a_post_to_a_channel_starts_a_new_thread_and_returns_its_message_id(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    ref = await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    [created] = bot_connector.new_threads()
    assert created.body["channelData"] == {"channel": {"id": CHANNEL}}
    assert "Hello, circle." in created.texts()
    assert ref == MessageRef(tenant=TEAMS_TENANT, address=CHANNEL, message_id="activity-1")


async def test_a_post_to_a_thread_is_a_reply_in_that_thread(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    thread = f"{CHANNEL};messageid=42"

    await teams_port.send(Target(tenant=TEAMS_TENANT, address=thread), HELLO)

    [posted] = bot_connector.of_kind("send", "reply")
    assert posted.conversation == thread


async def test_an_update_replaces_the_card_with_the_same_activity_id(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    ref = await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)
    later = Reply(summary="Later", blocks=(Text(text="2 people have answered."),))

    await teams_port.update(ref, later)

    [updated] = bot_connector.of_kind("update")
    assert updated.activity_id == ref.message_id
    assert "2 people have answered." in updated.texts()


async def test_a_delete_removes_the_card_with_the_same_activity_id(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    ref = await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    await teams_port.delete(ref)

    [deleted] = bot_connector.of_kind("delete")
    assert (deleted.conversation, deleted.activity_id) == (CHANNEL, ref.message_id)


async def test_deleting_a_card_teams_no_longer_has_counts_as_done_and_is_logged_at_info(
    teams_port: TeamsPort,
    bot_connector: FakeBotConnector,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.teams")
    ref = MessageRef(tenant=TEAMS_TENANT, address=CHANNEL, message_id="activity-9")
    bot_connector.fail_next(404, "NotFound")

    await teams_port.delete(ref)

    records = [r for r in caplog.records if r.name.startswith("adapters.teams")]
    assert [r.levelno for r in records] == [logging.INFO]
    assert records[0].status == "teams:404:NotFound"  # type: ignore[attr-defined]
    assert sleeps.waits == []


async def test_a_delete_teams_refuses_is_a_permanent_failure(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    ref = MessageRef(tenant=TEAMS_TENANT, address=CHANNEL, message_id="activity-9")
    bot_connector.fail_next(403, "BotNotInConversationRoster")

    with pytest.raises(DeliveryError) as raised:
        await teams_port.delete(ref)

    assert raised.value.permanent and "BotNotInConversationRoster" in raised.value.reason
    assert bot_connector.of_kind("delete") == []


async def test_a_channels_members_are_read_page_by_page(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    bot_connector.members[CHANNEL] = [f"29:user-{n}" for n in range(1200)]

    people = await teams_port.members(Target(tenant=TEAMS_TENANT, address=CHANNEL))

    assert [p.user_id for p in people] == [f"29:user-{n}" for n in range(1200)]
    assert {p.tenant for p in people} == {TEAMS_TENANT}
    assert len(bot_connector.of_kind("members")) == 3


async def test_a_pin_request_is_simply_a_post_in_teams(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    pinned = HELLO.model_copy(update={"pin": True})

    await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), pinned)

    [created] = bot_connector.new_threads()
    assert "Hello, circle." in created.texts()


async def test_throttling_is_retried_after_the_wait_teams_asks_for(
    teams_port: TeamsPort, bot_connector: FakeBotConnector, sleeps: Sleeps
) -> None:
    bot_connector.fail_next(429, "TooManyRequests", retry_after="2")

    await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    assert sleeps.waits == [2.0]
    assert len(bot_connector.new_threads()) == 1


async def test_server_errors_without_retry_after_back_off_and_then_give_up_as_transient(
    teams_port: TeamsPort, bot_connector: FakeBotConnector, sleeps: Sleeps
) -> None:
    bot_connector.fail_next(503, "ServiceUnavailable", times=3)

    with pytest.raises(DeliveryError) as raised:
        await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    assert not raised.value.permanent
    assert len(sleeps.waits) == 2 and sleeps.waits[0] < sleeps.waits[1]
    assert bot_connector.calls == []


async def test_a_wait_longer_than_a_send_may_take_is_handed_back_to_the_scheduler(
    teams_port: TeamsPort, bot_connector: FakeBotConnector, sleeps: Sleeps
) -> None:
    bot_connector.fail_next(429, "TooManyRequests", retry_after="120")

    with pytest.raises(DeliveryError) as raised:
        await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    assert not raised.value.permanent and raised.value.retry_after == 120.0
    assert sleeps.waits == []


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "BotNotInConversationRoster"),
        (403, "ConversationBlockedByUser"),
        (404, "ConversationNotFound"),
    ],
)
async def test_a_removed_blocked_or_vanished_bot_is_a_permanent_failure_without_retries(
    teams_port: TeamsPort,
    bot_connector: FakeBotConnector,
    sleeps: Sleeps,
    status: int,
    code: str,
) -> None:
    bot_connector.fail_next(status, code)

    with pytest.raises(DeliveryError) as raised:
        await teams_port.send(Target(tenant=TEAMS_TENANT, address=CHANNEL), HELLO)

    assert raised.value.permanent and code in raised.value.reason
    assert sleeps.waits == []


async def test_a_conversation_the_bot_was_never_in_is_a_permanent_failure(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await teams_port.send(Target(tenant=TEAMS_TENANT, address="19:elsewhere"), HELLO)

    assert raised.value.permanent
    other_tenant = Target(tenant="teams:another-tenant", address=CHANNEL)
    with pytest.raises(DeliveryError):
        await teams_port.send(other_tenant, HELLO)
    assert bot_connector.calls == []


async def test_a_private_message_opens_a_personal_chat_once_and_reuses_it(
    teams_port: TeamsPort, bot_connector: FakeBotConnector
) -> None:
    ada = Person(tenant=TEAMS_TENANT, user_id="29:user-ada")

    first = await teams_port.send_private(ada, HELLO)
    second = await teams_port.send_private(ada, HELLO)

    [opened] = bot_connector.of_kind("create")
    assert opened.body["members"] == [{"id": "29:user-ada"}]
    assert opened.body["channelData"] == {"tenant": {"id": TENANT}}
    assert first.address == second.address == "a:personal-29:user-ada"
    assert len(bot_connector.of_kind("send", "reply")) == 2


async def test_a_private_message_in_a_tenant_without_any_reference_is_a_permanent_failure(
    teams_port: TeamsPort,
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await teams_port.send_private(Person(tenant="teams:unknown", user_id="29:x"), HELLO)

    assert raised.value.permanent


async def test_references_are_kept_per_tenant_and_removed_with_their_team(
    references: ReferenceStore, bot_connector: FakeBotConnector
) -> None:
    personal = reference(bot_connector, "a:personal-29:user-ada", "personal")
    await references.save(TEAMS_TENANT, personal, kind="personal", user_id="29:user-ada")
    channel = reference(bot_connector, CHANNEL, "channel")
    await references.save(TEAMS_TENANT, channel, kind="channel", team_id=TEAM)
    await references.save("teams:other", channel, kind="channel", team_id=TEAM)

    assert await references.remove(TEAMS_TENANT, team_id=TEAM) == 1

    assert await references.get(TEAMS_TENANT, CHANNEL) is None
    assert await references.get("teams:other", CHANNEL) is not None
    assert await references.personal(TEAMS_TENANT, "29:user-ada") is not None
    assert await references.personal("teams:other", "29:user-ada") is None
