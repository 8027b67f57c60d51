"""The Slack app manifest and the code agree: commands, scopes, events and URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import BOT_EVENTS, EVENTS_PATH
from adapters.slack.installations import BOT_SCOPES, REDIRECT_PATH
from adapters.slack.listeners import COMMAND
from bot.core import Core
from tests.conftest import FrozenClock
from tests.fakes.slack_api import SlackStack, running_slack

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "slack" / "manifest.yaml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return loaded


def test_the_manifest_declares_the_one_slash_command_at_the_events_url(
    manifest: dict[str, Any],
) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert urlparse(command["url"]).path == EVENTS_PATH


def test_the_manifest_asks_for_exactly_the_scopes_the_code_installs_with(
    manifest: dict[str, Any],
) -> None:
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_the_manifest_subscribes_to_exactly_the_events_the_code_handles(
    manifest: dict[str, Any],
) -> None:
    assert sorted(manifest["settings"]["event_subscriptions"]["bot_events"]) == sorted(BOT_EVENTS)


def test_the_manifests_urls_are_the_routes_the_bot_serves(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert urlparse(settings["event_subscriptions"]["request_url"]).path == EVENTS_PATH
    assert urlparse(settings["interactivity"]["request_url"]).path == EVENTS_PATH
    assert settings["interactivity"]["is_enabled"] is True
    (redirect,) = manifest["oauth_config"]["redirect_urls"]
    assert urlparse(redirect).path == REDIRECT_PATH
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


@pytest.fixture
async def stack(core: Core, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[SlackStack]:
    async with running_slack(core, engine, clock) as running:
        yield running


async def test_every_subscribed_event_is_acked(stack: SlackStack, manifest: dict[str, Any]) -> None:
    # bolt answers 404 to an event no listener acks, and Slack counts that as a failure.
    for number, name in enumerate(manifest["settings"]["event_subscriptions"]["bot_events"]):
        kind, _, channel_type = name.partition(".")
        event = {"type": kind, "user": "U1", "channel": "C1", "text": "", "tab": "messages"}
        if channel_type:
            event["channel_type"] = channel_type
        status, _ = await stack.slack.event(event, event_id=f"Ev{number}")
        assert status == 200, name
