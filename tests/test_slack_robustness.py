"""Bad or unlucky input never crashes the Slack adapter: a 4xx, or a kind private word; whatever
Slack sends is answered in time, and a replayed command does nothing."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import build_slack
from adapters.slack.fallbacks import OLDER, UNKNOWN_COMMAND
from adapters.slack.records import RecentKeys
from adapters.slack.render import SHARE_ACTION
from adapters.slack.views import FORM_CALLBACK
from bot.core import Core
from bot.messages import Incoming, Reply
from bot.ports import ChatPort
from bot.settings import ConfigError, Settings
from bot.wording import sorry_reply
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack
from tests.fakes.slack_payloads import NAMES, captured

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_a_signed_but_garbled_payload_is_a_client_error(stack: SlackStack) -> None:
    status, _ = await stack.slack.post("payload=%7Bnot-json", "application/x-www-form-urlencoded")

    assert 400 <= status < 500
    assert stack.fake.calls == []


@pytest.mark.parametrize("name", NAMES)
async def test_an_interaction_the_bot_does_not_know_is_acked_and_logged_with_ids_only(
    stack: SlackStack, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    payload = captured(name, stack.fake.response_url("older"))

    status, body = await stack.slack.interaction(payload)

    assert (status, body) == (200, "")
    (line,) = [r for r in caplog.records if "for nothing the bot knows" in r.getMessage()]
    assert line.levelno == logging.INFO
    assert getattr(line, "tenant", None) == "slack:T0CAG"
    assert "U0CA5" not in caplog.text and "amy" not in caplog.text
    if "response_url" in payload:  # from a message: the person hears why nothing happened
        (said,) = await stack.fake.wait_for_responses(1)
        assert said == {"response_type": "ephemeral", "replace_original": False, "text": OLDER}
    else:  # the Home tab, a modal, a global shortcut: nowhere to say it, so nothing visible
        assert stack.fake.responses == []
    assert [call.method for call in stack.fake.calls] in ([], ["auth.test"])


async def test_a_command_the_code_does_not_have_is_answered_privately(stack: SlackStack) -> None:
    body = urlencode({"command": "/compassion-old", "text": "x", "team_id": "T1", "user_id": "U1"})

    status, answer = await stack.slack.post(body, FORM)

    assert (status, answer) == (200, UNKNOWN_COMMAND)  # plain text: Slack shows it ephemerally


async def test_an_event_nobody_listens_for_is_acked_so_slack_does_not_resend_it(
    stack: SlackStack,
) -> None:
    status, _ = await stack.slack.event({"type": "reaction_added", "user": "U1", "reaction": "+1"})

    assert status == 200
    assert [call.method for call in stack.fake.calls] in ([], ["auth.test"])


async def test_a_menu_asking_for_options_gets_none(stack: SlackStack) -> None:
    payload = {
        "type": "block_suggestion",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "action_id": "pick_someone",
        "block_id": "b1",
        "value": "ad",
    }

    status, body = await stack.slack.interaction(payload)

    assert (status, json.loads(body)) == (200, {"options": []})


def replayable(text: str, trigger: str) -> str:
    """A command's body with a fixed trigger id, to send more than once."""
    fields = {
        "command": "/compassion-steps",
        "text": text,
        "user_id": "U1",
        "user_name": "u1",
        "channel_id": "C1",
        "team_id": "T1",
        "trigger_id": trigger,
    }
    return urlencode(fields)


async def test_a_signed_command_replayed_within_the_window_runs_once(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body, stamp = replayable("checkin", "4455.6677.replayed"), int(time.time())

    first = await stack.slack.post(body, FORM, timestamp=stamp)
    again = await stack.slack.post(body, FORM, timestamp=stamp)

    assert first[0] == 200
    assert again == (200, "")
    assert len(stack.fake.called("chat.postMessage")) == 1  # one poll, not two
    assert "slack command already handled" in caplog.text


async def test_the_same_command_with_a_new_trigger_is_answered_again(stack: SlackStack) -> None:
    stamp = int(time.time())
    answers = [
        await stack.slack.post(replayable("tips", trigger), FORM, timestamp=stamp)
        for trigger in ("1.1.first", "1.1.second")
    ]

    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1] != ""


async def test_a_command_replayed_to_another_replica_runs_once(
    core: Core, engine: AsyncEngine, clock: FrozenClock
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serves one process")
    body, stamp = replayable("checkin", "4455.6677.elsewhere"), int(time.time())
    async with running_slack(core, engine, clock) as one, running_slack(core, engine, clock) as two:
        first = await one.slack.post(body, FORM, timestamp=stamp)
        again = await two.slack.post(body, FORM, timestamp=stamp)
        polls = one.fake.called("chat.postMessage") + two.fake.called("chat.postMessage")

    assert first[0] == 200
    assert again == (200, "")
    assert len(polls) == 1


def test_a_key_is_forgotten_once_its_replay_window_has_passed() -> None:
    now = [1000.0]
    recent = RecentKeys(window=600.0, limit=10, now=lambda: now[0])

    assert recent.first("slack:T1", "k") is True
    assert recent.first("slack:T1", "k") is False
    assert recent.first("slack:T2", "k") is True  # another workspace's key
    now[0] += 601.0
    assert recent.first("slack:T1", "k") is True


def test_the_oldest_keys_go_first_when_the_memory_is_full() -> None:
    recent = RecentKeys(window=600.0, limit=2, now=lambda: 0.0)
    for key in ("a", "b", "c"):
        assert recent.first("t", key)

    assert recent.first("t", "c") is False
    assert recent.first("t", "a") is True


async def test_slack_over_http_without_a_signing_secret_is_a_config_error_naming_it(
    core: Core, engine: AsyncEngine
) -> None:
    settings = Settings(SLACK_BOT_TOKEN="xoxb-x")  # type: ignore[call-arg]

    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        build_slack(settings, core, engine)


async def test_a_command_whose_handling_fails_still_gets_a_gentle_answer(
    stack: SlackStack, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(incoming: Incoming, port: ChatPort) -> Reply:
        raise RuntimeError("a bug")

    monkeypatch.setattr(core, "handle", broken)

    status, body = await stack.slack.command("tips")

    assert status == 200
    assert json.loads(body)["text"] == sorry_reply().summary


async def test_a_form_whose_metadata_the_bot_did_not_write_is_acked_quietly(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    view = {"type": "modal", "callback_id": FORM_CALLBACK, "private_metadata": "[1, {"}

    status, _ = await stack.slack.submit(view, {})

    assert status == 200
    assert not [r for r in caplog.records if r.exc_info is not None]
    assert stack.fake.called("chat.postEphemeral") == []


async def test_share_from_the_home_tab_has_nowhere_to_share_and_is_acked(
    stack: SlackStack, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await stack.slack.click(
        {"action_id": SHARE_ACTION, "value": "share:compassion-steps"}, channel=None
    )

    assert status == 200
    assert not [r for r in caplog.records if r.exc_info is not None]


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


async def test_a_socket_mode_envelope_slack_never_sends_is_acked_and_the_next_answered(
    core: Core, engine: AsyncEngine, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    spoilt = {"type": "event_callback", "team_id": "T1", "event": {"type": "message", "user": 5}}
    command = {"command": "/compassion-steps", "text": "tips", "user_id": "U1", "team_id": "T1"}
    async with running_slack(core, engine, clock, SLACK_APP_TOKEN="xapp-test") as stack:
        await stack.platform.start()
        try:
            refused = await stack.fake.over_socket("events_api", spoilt)
            answered = await stack.fake.over_socket("slash_commands", command)
        finally:
            await stack.platform.stop()

    assert "payload" not in refused
    assert answered["payload"]["blocks"]
    assert "slack envelope refused" in caplog.text
    assert not [r for r in caplog.records if r.exc_info is not None]
