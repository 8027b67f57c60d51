"""Log lines carry the request or delivery id of the work that wrote them, and nothing people
wrote."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import logcontext
from bot.core import Core
from crbot import logs
from tests.conftest import Chat, FrozenClock, TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity
from tests.fakes.slack_api import running_slack

log = logging.getLogger("tests.logs")


def configured(fmt: str, level: str = "INFO") -> Iterator[io.StringIO]:
    """The bot's log set-up, writing to a buffer; the test runner's handlers come back after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logs.configure(level, fmt)
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """JSON logs, as with CRBOT_LOG_FORMAT=json."""
    yield from configured("json")


@pytest.fixture
def text_lines() -> Iterator[io.StringIO]:
    """The readable default."""
    yield from configured("text")


def objects(stream: io.StringIO) -> list[dict[str, object]]:
    """Each line as the JSON object it must be."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_json_line_from_a_request_carries_its_request_id(
    json_lines: io.StringIO, chat: Chat
) -> None:
    await chat.say("ana", "reflect I was short with a patient's family today")

    answered = [line for line in objects(json_lines) if line["logger"] == "bot.core"]
    assert [line["message"] for line in answered] == ["request refused: no_walkthrough"]
    request_id = answered[0]["request_id"]
    assert isinstance(request_id, str) and len(request_id) >= 12
    assert "patient" not in json_lines.getvalue()


async def test_the_core_keeps_the_request_id_an_adapter_bound(
    json_lines: io.StringIO, chat: Chat
) -> None:
    with logcontext.request("slack-env-Ev123"):
        log.info("command received")
        await chat.say("ana", "practice")

    lines = objects(json_lines)
    assert {line["message"] for line in lines} >= {"command received", "request served"}
    assert {line["request_id"] for line in lines} == {"slack-env-Ev123"}


async def test_two_requests_at_once_never_share_an_id(json_lines: io.StringIO) -> None:
    async def work(request_id: str) -> None:
        with logcontext.request(request_id):
            log.info("started")
            await asyncio.sleep(0)  # let the other request run in between
            log.info("finished")

    await asyncio.gather(work("first"), work("second"))

    by_id: dict[object, list[object]] = {}
    for line in objects(json_lines):
        by_id.setdefault(line["request_id"], []).append(line["message"])
    assert by_id == {"first": ["started", "finished"], "second": ["started", "finished"]}


async def test_a_delivery_id_follows_into_the_tasks_it_starts(json_lines: io.StringIO) -> None:
    async def send() -> None:
        log.info("posting")

    with logcontext.delivery(42):
        await asyncio.create_task(send())
    log.info("idle")

    posting, idle = objects(json_lines)
    assert posting["delivery_id"] == "42"
    assert "delivery_id" not in idle


def test_an_id_given_in_extra_wins_over_the_bound_one(json_lines: io.StringIO) -> None:
    with logcontext.delivery(7):
        log.info("retrying", extra={"delivery_id": "8"})

    assert objects(json_lines)[0]["delivery_id"] == "8"


def test_readable_lines_carry_the_request_id_too(text_lines: io.StringIO) -> None:
    with logcontext.request("abc123"):
        log.warning("slow answer", extra={"command": "checkin"})

    line = text_lines.getvalue().strip()
    assert line.endswith("slow answer command=checkin request_id=abc123")


def test_an_id_from_a_request_body_is_cut_to_a_bounded_length() -> None:
    with logcontext.request("E" * 10_000) as chosen:
        assert chosen == "E" * logcontext.MAX_ID_CHARS


async def test_every_line_of_a_slack_command_carries_slacks_trigger_id(
    json_lines: io.StringIO, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        stack.fake.fail("chat.postMessage", "channel_not_found")
        status, _ = await stack.slack.command("practice")
        # A click whose public reply cannot be posted: the port's warning is the request's too.
        button = {"action_id": "crbot.button.0", "value": "checkin"}
        click_status, _ = await stack.slack.click(button)

    assert (status, click_status) == (200, 200)
    lines = [line for line in objects(json_lines) if line["logger"].startswith(("bot.", "adap"))]
    answered = [line for line in lines if line["logger"] == "bot.core"]
    assert [line["request_id"] for line in answered] == ["trigger-1", "trigger-2"]
    [refused] = [line for line in lines if "chat.postMessage failed" in str(line["message"])]
    assert refused["request_id"] == "trigger-2"


async def test_a_slack_event_logs_under_its_event_id(
    json_lines: io.StringIO, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock) as stack:
        event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> tips"}
        status, _ = await stack.slack.event(event, event_id="Ev0LOGGED")

    assert status == 200
    served = [line for line in objects(json_lines) if line["message"] == "request served"]
    assert [line["request_id"] for line in served] == ["Ev0LOGGED"]


async def test_every_line_of_a_teams_turn_carries_the_activity_id(
    json_lines: io.StringIO, teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    message = activity(bot_connector, text="practice")
    bot_connector.fail_next(500, "InternalServerError")  # the reply fails: on_turn_error logs

    assert await teams_endpoint.post(message) in (200, 201)

    lines = objects(json_lines)
    served = [line for line in lines if line["message"] == "request served"]
    undelivered = [line for line in lines if line["message"] == "Teams reply not delivered"]
    assert served and undelivered
    assert {line["request_id"] for line in served + undelivered} == {message["id"]}


async def test_a_socket_mode_envelope_logs_under_slacks_id_for_it(
    json_lines: io.StringIO, core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with running_slack(core, engine, clock, SLACK_APP_TOKEN="xapp-test") as stack:
        await stack.platform.start()
        try:
            command = {"command": "/compassion-steps", "text": "tips", "user_id": "U1"}
            command |= {"channel_id": "C1", "team_id": "T1", "trigger_id": "trigger-socket"}
            await stack.fake.over_socket("slash_commands", command)
        finally:
            await stack.platform.stop()

    served = [line for line in objects(json_lines) if line["message"] == "request served"]
    assert [line["request_id"] for line in served] == ["trigger-socket"]
