"""Log lines carry the request or delivery id of the work that wrote them, and nothing people
wrote."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logcontext
from crbot import logs
from tests.conftest import Chat

log = logging.getLogger("tests.logs")


def configured(fmt: str) -> Iterator[io.StringIO]:
    """The bot's log set-up, writing to a buffer; the test runner's handlers come back after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logs.configure("INFO", fmt)
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
