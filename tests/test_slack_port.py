"""The Slack ChatPort against the fake Web API: retries, errors, DMs, images, pins, wiring."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import File, Image, MessageRef, Person, Reply, Target, Text
from bot.people import PeopleNames
from bot.settings import Settings
from crbot import runtime, web
from crbot.platforms import configured_platforms
from tests.conftest import TEST_SECRET, FrozenClock
from tests.fakes.slack_api import (
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    SlackStack,
    running_slack,
)

CHANNEL = Target(tenant="slack:T1", address="C1")
HELLO = Reply(summary="Hello", blocks=(Text(text="Hello, circle."),), private=False)


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_a_rate_limited_post_is_retried_after_retry_after(stack: SlackStack) -> None:
    stack.fake.rate_limit("chat.postMessage", retry_after=0)

    ref = await stack.platform.port.send(CHANNEL, HELLO)

    assert len(stack.fake.called("chat.postMessage")) == 2
    assert ref == MessageRef(tenant="slack:T1", address="C1", message_id="1700000000.000001")


async def test_a_rate_limit_that_outlasts_the_retries_is_a_transient_delivery_error(
    stack: SlackStack,
) -> None:
    stack.fake.rate_limit("chat.postMessage", retry_after=0, times=3)

    with pytest.raises(DeliveryError) as raised:
        await stack.platform.port.send(CHANNEL, HELLO)

    assert raised.value.permanent is False
    assert raised.value.retry_after == 0


@pytest.mark.parametrize(
    "error",
    ["channel_not_found", "not_in_channel", "is_archived", "account_inactive", "token_revoked"],
)
async def test_a_place_the_bot_cannot_reach_is_a_permanent_delivery_error(
    stack: SlackStack, error: str
) -> None:
    stack.fake.fail("chat.postMessage", error)

    with pytest.raises(DeliveryError) as raised:
        await stack.platform.port.send(CHANNEL, HELLO)

    assert raised.value.permanent is True and raised.value.reason == error


async def test_a_server_error_is_retried_then_transient(stack: SlackStack) -> None:
    stack.fake.fail("chat.update", "internal_error", status=503, times=2)
    ref = MessageRef(tenant="slack:T1", address="C1", message_id="1.2")

    with pytest.raises(DeliveryError) as raised:
        await stack.platform.port.update(ref, HELLO)

    assert raised.value.permanent is False
    assert len(stack.fake.called("chat.update")) == 2


async def test_a_delete_removes_the_message_by_its_channel_and_ts(stack: SlackStack) -> None:
    ref = await stack.platform.port.send(CHANNEL, HELLO)

    await stack.platform.port.delete(ref)

    assert stack.fake.called("chat.delete") == [{"channel": "C1", "ts": ref.message_id}]


async def test_a_rate_limited_delete_is_retried_after_retry_after(stack: SlackStack) -> None:
    stack.fake.rate_limit("chat.delete", retry_after=0)

    await stack.platform.port.delete(MessageRef(tenant="slack:T1", address="C1", message_id="1.2"))

    assert len(stack.fake.called("chat.delete")) == 2


async def test_deleting_a_message_slack_no_longer_has_counts_as_done_and_is_logged_at_info(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.slack.port")
    stack.fake.fail("chat.delete", "message_not_found")

    await stack.platform.port.delete(MessageRef(tenant="slack:T1", address="C1", message_id="1.2"))

    records = [r for r in caplog.records if r.name == "adapters.slack.port"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert records[0].status == "message_not_found"  # type: ignore[attr-defined]


async def test_a_delete_slack_refuses_for_another_reason_is_a_delivery_error(
    stack: SlackStack,
) -> None:
    stack.fake.fail("chat.delete", "cant_delete_message")

    with pytest.raises(DeliveryError) as raised:
        await stack.platform.port.delete(
            MessageRef(tenant="slack:T1", address="C1", message_id="1.2")
        )

    assert raised.value.permanent is True and raised.value.reason == "cant_delete_message"


async def test_a_private_message_opens_a_direct_message_first(stack: SlackStack) -> None:
    ref = await stack.platform.port.send_private(Person(tenant="slack:T1", user_id="U5"), HELLO)

    assert stack.fake.called("conversations.open") == [{"users": "U5"}]
    assert ref.address == "DU5"


async def test_a_visual_reminder_uploads_the_image_and_pins_the_caption(
    stack: SlackStack, core: Core
) -> None:
    image = Image(path="healthcare/visuals/wellness-compass.png", title="Compass", alt_text="A")
    reminder = Reply(
        summary="This week", blocks=(Text(text="Your compass."), image), private=False, pin=True
    )

    ref = await stack.platform.port.send(CHANNEL, reminder)

    (caption,) = stack.fake.called("chat.postMessage")
    assert "Your compass." in str(caption["blocks"])
    (complete,) = stack.fake.called("files.completeUploadExternal")
    assert complete["channel_id"] == "C1"
    (_, size) = stack.fake.uploads[0]
    assert size == await asyncio.to_thread(os.path.getsize, core.image_file(image))
    assert stack.fake.called("pins.add") == [{"channel": "C1", "timestamp": ref.message_id}]


async def test_a_message_that_does_not_ask_to_be_pinned_is_not(stack: SlackStack) -> None:
    await stack.platform.port.send(CHANNEL, HELLO)

    assert stack.fake.called("pins.add") == []


def calendar(tmp_path: Path) -> File:
    path = tmp_path / "plan.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    return File(path=str(path), filename="plan.ics", title="Rollout", media_type="text/calendar")


async def test_a_file_is_uploaded_into_the_channel_beside_its_message(
    stack: SlackStack, tmp_path: Path
) -> None:
    reply = Reply(
        summary="Plan", blocks=(Text(text="The plan."), calendar(tmp_path)), private=False
    )

    await stack.platform.port.send(CHANNEL, reply)

    (complete,) = stack.fake.called("files.completeUploadExternal")
    assert complete["channel_id"] == "C1"
    assert "'title': 'Rollout'" in str(complete["files"])
    (asked,) = stack.fake.called("files.getUploadURLExternal")
    assert asked["filename"] == "plan.ics"
    assert stack.fake.uploads[0][1] == len(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")


async def test_a_file_for_one_person_goes_to_their_direct_message(
    stack: SlackStack, tmp_path: Path
) -> None:
    reply = Reply(summary="Plan", blocks=(Text(text="The plan."), calendar(tmp_path)))

    await stack.platform.port.send_ephemeral(CHANNEL, "U5", reply)

    (ephemeral,) = stack.fake.called("chat.postEphemeral")
    assert "plan.ics" not in str(ephemeral["blocks"])
    (complete,) = stack.fake.called("files.completeUploadExternal")
    assert complete["channel_id"] == "DU5"


async def test_a_channels_members_are_read_page_by_page_without_the_bot(
    stack: SlackStack,
) -> None:
    stack.fake.members["C1"] = [f"U{n}" for n in range(450)] + [BOT_USER]

    people = await stack.platform.port.members(CHANNEL)

    assert [p.user_id for p in people] == [f"U{n}" for n in range(450)]
    assert {p.tenant for p in people} == {"slack:T1"}
    assert len(stack.fake.called("conversations.members")) == 3


async def test_a_person_is_named_as_their_workspace_shows_them(stack: SlackStack) -> None:
    stack.fake.names["U5"] = "Ana Lopez"

    person = await stack.platform.port.person("slack:T1", "U5")

    assert (person.user_id, person.display_name) == ("U5", "Ana Lopez")
    assert stack.fake.called("users.info")[-1]["user"] == "U5"


async def test_a_person_slack_does_not_know_is_an_error_the_console_shows_as_an_id(
    stack: SlackStack,
) -> None:
    names = PeopleNames()

    (found,) = await names.named(stack.platform.port, "slack:T1", ["U404"])

    assert found.shown == "U404" and found.name is None


async def test_slack_is_registered_beside_the_health_checks_when_configured(
    tmp_path: Path,
) -> None:
    settings = Settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,  # type: ignore[call-arg]
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        pseudonym_secret=TEST_SECRET.decode(),
        data_dir=tmp_path,
    )
    bot = await runtime.start(settings)
    try:
        (slack,) = [p for p in configured_platforms(bot) if p.name == "slack"]
        assert slack.port is not None and slack.start is not None and slack.stop is not None
        app = web.build_app(bot.engine, slack.mounts)
        routes = {route.resource.canonical for route in app.router.routes() if route.resource}
        assert {"/healthz", "/readyz", "/slack/events"} <= routes
        await slack.start()  # HTTP mode: nothing to connect
        await slack.stop()
    finally:
        await bot.close()


async def test_a_token_in_the_environment_draws_no_warning_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # bolt reads it on its own
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    settings = Settings(pseudonym_secret=TEST_SECRET.decode(), data_dir=tmp_path)
    bot = await runtime.start(settings)
    try:
        with caplog.at_level(logging.INFO):
            [slack] = [p for p in configured_platforms(bot) if p.name == "slack"]
        assert slack.port is not None
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    finally:
        await bot.close()


async def test_socket_mode_answers_the_slash_command_over_the_socket(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock, SLACK_APP_TOKEN="xapp-test") as stack:
        await stack.platform.start()
        try:
            command = {"command": "/compassion-steps", "text": "tips", "user_id": "U1"}
            command |= {"channel_id": "C1", "team_id": "T1", "response_url": "http://x/"}
            ack = await stack.fake.over_socket("slash_commands", command)
        finally:
            await stack.platform.stop()

    assert ack["payload"]["response_type"] == "ephemeral"
    assert ack["payload"]["blocks"]
    assert stack.fake.called("apps.connections.open")
