"""Bad or unlucky input never crashes the Slack adapter: a 4xx, or a kind private word."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_a_signed_but_garbled_payload_is_a_client_error(stack: SlackStack) -> None:
    status, _ = await stack.slack.post("payload=%7Bnot-json", "application/x-www-form-urlencoded")

    assert 400 <= status < 500
    assert stack.fake.calls == []


async def test_an_unknown_action_is_a_client_error_and_reaches_nothing(stack: SlackStack) -> None:
    button = {"action_id": "someone.else", "value": "checkin 5"}

    status, _ = await stack.slack.click(button)

    assert 400 <= status < 500
    assert [call.method for call in stack.fake.calls] in ([], ["auth.test"])


async def test_a_form_that_is_no_longer_kept_gets_a_kind_private_word(stack: SlackStack) -> None:
    button = {"action_id": "crbot.form.0123456789abcdef0123456789abcdef.1", "value": "reflect 1 0"}

    status, _ = await stack.slack.click(button)

    assert status == 200
    assert stack.fake.called("views.open") == []
    (word,) = stack.fake.called("chat.postEphemeral")
    assert "no longer available" in json.dumps(word["blocks"])


async def test_an_expired_trigger_is_logged_and_acked(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    _, body = await stack.slack.command("scenario 1")
    blocks = json.loads(body)["blocks"]
    reflect = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("crbot.form.")
    )
    stack.fake.fail("views.open", "expired_trigger_id")

    status, _ = await stack.slack.click(reflect, ephemeral=True)

    assert status == 200
    assert "expired_trigger_id" in caplog.text
    assert "I noticed" not in caplog.text


async def test_a_too_long_reflection_is_refused_kindly_and_nothing_is_logged_of_it(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    _, body = await stack.slack.command("scenario 1")
    reflect = next(
        e
        for b in json.loads(body)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("crbot.form.")
    )
    await stack.slack.click(reflect, ephemeral=True)
    (opened,) = stack.fake.called("views.open")
    words = "secret words " * 400

    status, _ = await stack.slack.submit(
        opened["view"], {"text": {"value": {"type": "plain_text_input", "value": words}}}
    )

    assert status == 200
    (answer,) = stack.fake.called("chat.postEphemeral")
    assert "shorten" in json.dumps(answer["blocks"])
    assert "secret words" not in caplog.text
