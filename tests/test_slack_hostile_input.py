"""Hostile requests to the Slack endpoint over real HTTP: unsigned is a 401 and signed but not
what Slack sends is a 400, both before bolt reads a field, never a 5xx or a traceback; and the bot
still answers the next real command."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack
from tests.fakes.slack_payloads import NAMES, captured
from tests.strategies import fuzzing, json_values

Json = dict[str, Any]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = 5000


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


def tracebacks(caplog: pytest.LogCaptureFixture, since: int = 0) -> list[logging.LogRecord]:
    """The records that carry a traceback or report an error (the web server's own included)."""
    return [
        r for r in caplog.records[since:] if r.exc_info is not None or r.levelno >= logging.ERROR
    ]


def event(inner: Json, **outer: Any) -> str:
    """An Events API delivery, as JSON."""
    body = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "Ev0HOSTILE",
        "event_time": 1700000000,
        "event": inner,
        **outer,
    }
    return json.dumps(body)


def interaction(payload: object) -> str:
    """An interactivity form, its `payload=` JSON."""
    return urlencode({"payload": json.dumps(payload)})


# The bodies seen to answer 500 with a traceback, by what is wrong with them.
HOSTILE: dict[str, tuple[str, str]] = {
    "payload-null": ("payload=null", FORM),
    "payload-a-string": ("payload=%22x%22", FORM),
    "payload-an-array": ("payload=%5B1%2C2%5D", FORM),
    "event-user-a-number": (event({"type": "message", "user": 5, "channel": "D1"}), JSON),
    "event-a-string": (event("x"), JSON),  # type: ignore[arg-type]
    "event-null": (event(None), JSON),  # type: ignore[arg-type]
    "authorizations-a-string": (event({"type": "app_mention"}, authorizations="x"), JSON),
    "nested-5000-deep": ("[" * DEEP + "]" * DEEP, JSON),
    "nested-5000-deep-in-a-field": (
        event({"type": "message", "x": "@"}).replace('"@"', '{"a":' * DEEP + "1" + "}" * DEEP),
        JSON,
    ),
    "a-json-array": ("[1, 2]", JSON),
    "a-json-string": ('"event_callback"', JSON),
    "not-json": ("{not json", JSON),
    "a-number-past-python-s-digits": ('{"type": ' + "1" * 5000 + "}", JSON),
    "view-without-type": (
        interaction(
            {
                "type": "view_submission",
                "user": {"id": "U1"},
                "view": {"id": "V1", "callback_id": "crbot.form"},
            }
        ),
        FORM,
    ),
    "block-actions-without-actions": (interaction({"type": "block_actions", "actions": []}), FORM),
    "action-id-a-number": (
        interaction({"type": "block_actions", "trigger_id": "t", "actions": [{"action_id": 7}]}),
        FORM,
    ),
    "user-a-list": (interaction({**captured("shortcut"), "user": ["U1"]}), FORM),
    "no-kind-slack-sends": (json.dumps({"type": "something_else"}), JSON),
    "an-empty-form": ("", FORM),
    "plain-text": ("command=/compassion-steps", "text/plain"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_an_unsigned_hostile_body_is_a_401_before_anything_reads_it(
    stack: SlackStack, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.INFO)
    body, content_type = HOSTILE[case]

    status, _ = await stack.slack.post(body, content_type, signature="v0=" + "0" * 64)

    assert status == 401
    assert tracebacks(caplog) == []
    assert stack.fake.calls == []
    if body:
        assert body[:40] not in caplog.text  # bolt logged the body of a bad signature


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_a_signed_hostile_body_is_a_400_with_one_log_line_and_no_traceback(
    stack: SlackStack, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.INFO)
    body, content_type = HOSTILE[case]

    status, _ = await stack.slack.post(body, content_type)

    assert status == 400
    assert tracebacks(caplog) == []
    refused = [r for r in caplog.records if r.getMessage().startswith("slack request refused")]
    assert len(refused) == 1
    assert refused[0].levelno == logging.WARNING
    assert stack.fake.calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "yesterday"},
        {"X-Slack-Request-Timestamp": ""},
        {"X-Slack-Request-Timestamp": "9" * 5000},
        {"X-Slack-Request-Timestamp": " 1_700_000_000"},
        {"X-Slack-Signature": "v0=ünïcode"},
        {"X-Slack-Signature": ""},
    ],
    ids=["words", "empty", "5000-digits", "underscores", "non-ascii-signature", "no-signature"],
)
async def test_a_timestamp_or_signature_slack_never_writes_is_a_401(
    stack: SlackStack, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    body = urlencode({"command": "/compassion-steps", "text": "tips", "team_id": "T1"})
    status, _ = await stack.slack.post(body, FORM, signature="v0=x", headers=headers)

    assert status == 401
    assert tracebacks(caplog) == []
    assert stack.fake.calls == []


async def test_a_signed_command_too_old_is_a_401(stack: SlackStack) -> None:
    body = urlencode({"command": "/compassion-steps", "text": "tips", "team_id": "T1"})

    status, _ = await stack.slack.post(body, FORM, timestamp=int(time.time()) - 6 * 60)

    assert status == 401


async def test_bytes_that_are_not_utf8_are_a_401_whatever_their_signature(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {
        "Content-Type": JSON,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    raw = b'{"type": "event_callback", "event": {"type": "message", "text": "\xff\xfe"}}'
    async with stack.slack.session.post(stack.slack.url, data=raw, headers=headers) as response:
        assert response.status == 401
    assert tracebacks(caplog) == []


async def test_a_signed_url_verification_and_ssl_check_are_answered(stack: SlackStack) -> None:
    body = json.dumps({"type": "url_verification", "token": "x", "challenge": "c-123"})
    assert await stack.slack.post(body, JSON) == (200, '{"challenge": "c-123"}')

    status, _ = await stack.slack.post("ssl_check=1&token=x", FORM)
    assert status == 200


async def test_a_command_that_mentions_payload_is_answered_as_a_command(
    stack: SlackStack,
) -> None:
    # bolt takes any form containing the word for an interaction and loses the command.
    status, body = await stack.slack.command("payload", channel="Cpayload")

    assert status == 200
    assert json.loads(body)["response_type"] == "ephemeral"


# --- The fuzz: Slack's own bodies with fields spoilt, broken bodies, odd types, unsigned. ---

words = st.sampled_from(["help", "tips", "checkin", "checkin 3", "scenario 1", "reflect 1 0", ""])
words = words | st.text(max_size=30)
action_ids = st.sampled_from(
    ["crbot.button.1", "crbot.form.0123456789abcdef0123456789abcdef.1", "crbot.share", "other"]
) | st.text(max_size=12)


def command_body(text: str) -> Json:
    return {
        "command": "/compassion-steps",
        "text": text,
        "user_id": "U7",
        "user_name": "u7",
        "channel_id": "C1",
        "channel_name": "general",
        "team_id": "T1",
        "trigger_id": f"fuzz.{time.monotonic_ns()}",
    }


def events(inner_type: str, text: str) -> Json:
    inner = {
        "type": inner_type,
        "user": "U7",
        "channel": "D7" if inner_type == "message" else "C1",
        "channel_type": "im" if inner_type == "message" else "channel",
        "text": text,
        "ts": "1700000000.000100",
        "tab": "home",
    }
    return json.loads(event(inner, event_id=f"Ev{time.monotonic_ns()}"))


@st.composite
def requests(draw: st.DrawFn, response_url: str) -> tuple[str, str, bool]:
    """A body, its content type, and whether it is signed."""
    source = draw(st.sampled_from(["command", "event", "interaction", "url", "junk"]))
    body: Json
    if source == "command":
        body = command_body(draw(words))
    elif source == "event":
        kind = draw(
            st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added"])
        )
        body = events(kind, draw(words))
    elif source == "interaction":
        body = captured(draw(st.sampled_from(NAMES)), response_url)
        if body["type"] == "block_actions":
            body["actions"][0].update(action_id=draw(action_ids), value=draw(words))
    else:
        body = {"type": "url_verification", "challenge": draw(st.text(max_size=10))}
    # Spoil a few fields, at the top or one level down, with any JSON at all.
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        target = body
        inner = [k for k, v in body.items() if isinstance(v, dict)]
        if inner and draw(st.booleans()):
            target = body[draw(st.sampled_from(sorted(inner)))]
        if target:
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
    if source == "command":
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        raw, content_type = urlencode(form), FORM
    elif source == "interaction":
        raw, content_type = interaction(body), FORM
    else:
        raw, content_type = json.dumps(body), JSON
    if source == "junk":
        raw = draw(st.text(max_size=80) | st.sampled_from(["payload=", "payload=%7B", "[" * 3000]))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]  # cut short
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        content_type = draw(st.sampled_from(["text/plain", "", "multipart/form-data", "x/y"]))
    return raw, content_type, draw(st.integers(min_value=0, max_value=4)) > 0


@fuzzing
@given(data=st.data())
async def test_no_request_gets_a_5xx_or_a_traceback_and_the_bot_answers_after_each(
    stack: SlackStack, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    raw, content_type, signed = data.draw(requests(stack.fake.response_url("fuzz")))
    since = len(caplog.records)

    signature = None if signed else "v0=" + "0" * 64
    status, _ = await stack.slack.post(raw, content_type, signature=signature)

    assert status < 500
    if not signed:
        assert status == 401
    assert tracebacks(caplog, since) == []
    status, answer = await stack.slack.command("tips")
    assert status == 200
    assert json.loads(answer)["blocks"]
