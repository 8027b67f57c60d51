"""Hostile requests to the Teams endpoint over real HTTP: each one is answered with a 4xx, never
a 5xx or a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.conftest import TeamsEndpoint
from tests.fakes.bot_connector import FakeBotConnector, activity, members_added

DEEP = 5000


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The records that carry a traceback or report an error (the web server's own included),
    each with its traceback, so a failure shows what broke."""
    return [
        caplog.handler.format(record)
        for record in caplog.records
        if record.exc_info or record.levelno >= logging.ERROR
    ]


async def send(endpoint: TeamsEndpoint, body: bytes, content_type: str = "application/json") -> int:
    """Post raw bytes as the body; the HTTP status."""
    headers = {"Content-Type": content_type}
    async with endpoint.client.post(endpoint.url, data=body, headers=headers) as response:
        await response.read()
        return response.status


def encoded(body: Any) -> bytes:
    """JSON as Teams would send it (non-ASCII escaped, as .NET writes it)."""
    return json.dumps(body).encode()


def hostile(connector: FakeBotConnector) -> dict[str, bytes]:
    """Bodies that are not activities botbuilder can take, by what is wrong with them."""
    nested = activity(connector, text="help")
    return {
        "nested-5000-deep-array": b"[" * DEEP + b"]" * DEEP,
        "nested-5000-deep-in-a-field": encoded(nested)[:-1]
        + b', "value": '
        + b'{"a": ' * DEEP
        + b"1"
        + b"}" * DEEP
        + b"}",
        "type-a-number": encoded({**nested, "type": 5}),
        "type-missing": encoded({k: v for k, v in nested.items() if k != "type"}),
        "service-url-a-list": encoded({**nested, "serviceUrl": [connector.url]}),
        "conversation-id-an-object": encoded({**nested, "conversation": {"id": {"a": 1}}}),
        "sender-a-string": encoded({**nested, "from": "ada"}),
        "sender-id-a-number": encoded({**nested, "from": {"id": 7}}),
        "text-an-object": encoded({**nested, "text": {"a": 1}}),
        "timestamp-not-a-date": encoded({**nested, "timestamp": "yesterday"}),
        "entities-a-string": encoded({**nested, "entities": "mention"}),
        "channel-data-a-list": encoded({**members_added(connector), "channelData": [1]}),
        "members-added-an-object": encoded({**members_added(connector), "membersAdded": {"id": 1}}),
        "invalid-utf-8": b'{"type": "message", "text": "\xff\xfe"}',
        "utf-16": json.dumps(nested).encode("utf-16"),
        "a-lone-surrogate": encoded({**nested, "recipient": {"id": "\udba6x"}}),
        "a-surrogate-as-utf-8": encoded(nested).replace(b"Ada", b"\xed\xa0\x80"),
        "a-string": b'"message"',
        "null": b"null",
        "empty": b"",
    }


# The cases' names, for the test ids (the bodies are built again against the running fake).
HOSTILE = list(hostile(FakeBotConnector(url="http://127.0.0.1:9/")))


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_body_that_is_not_an_activity_is_a_400_with_a_log_line_and_no_traceback(
    teams_endpoint: TeamsEndpoint,
    bot_connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    caplog.set_level(logging.INFO)

    status = await send(teams_endpoint, hostile(bot_connector)[case])

    assert status == 400
    assert tracebacks(caplog) == []
    refused = [r for r in caplog.records if r.getMessage().startswith("Teams request refused")]
    assert len(refused) == 1
    assert bot_connector.calls == []


async def test_a_body_far_larger_than_any_activity_is_refused_before_it_is_parsed(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = encoded(activity(bot_connector, text="x" * 300_000))

    assert await send(teams_endpoint, body) == 413
    assert tracebacks(caplog) == []
    assert bot_connector.calls == []


async def test_an_emoji_written_as_a_surrogate_pair_escape_is_read_like_any_text(
    teams_endpoint: TeamsEndpoint, bot_connector: FakeBotConnector
) -> None:
    body = encoded(activity(bot_connector, text="compassion-steps 3 🙂"))
    assert b"\\ud83d\\ude42" in body

    assert await send(teams_endpoint, body) == 201
    [reply] = bot_connector.of_kind("reply")
    assert reply.conversation == "a:personal-29:user-ada"
