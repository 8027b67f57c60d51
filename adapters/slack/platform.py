"""The Slack platform as the composition root registers it: limits, tables, builder, checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.running import Platform
from adapters.slack.checks import configuration, tokens
from adapters.slack.tables import SCHEMA
from bot.platform import PlatformSpec, Rate
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.core import Core


def configured(settings: Settings) -> bool:
    """Slack runs when credentials of either kind (one workspace, or OAuth) are set."""
    return settings.slack_configured


def build(settings: Settings, core: Core, engine: AsyncEngine) -> Platform:
    """The bolt app's routes, its port, and its start and stop hooks."""
    # bolt and slack-sdk stay out of the CLI's import path unless Slack is configured.
    from adapters.slack.app import build_slack

    slack = build_slack(settings, core, engine, image_file=core.image_file)
    return Platform(
        name=PLATFORM.name,
        mounts=[slack.mount],
        port=slack.port,
        start=slack.start,
        stop=slack.stop,
    )


# chat.postMessage: about one message per second per channel with short bursts, plus an
# unpublished workspace-wide limit (we stay well under it). Bursts are kept below what Slack
# allows: requests leave on time but may arrive bunched (new connections, retransmits).
PLATFORM: PlatformSpec[Platform] = PlatformSpec(
    name="slack",
    schema=SCHEMA,
    channel_rate=Rate(per_second=1.0, burst=2.0),
    workspace_rate=Rate(per_second=50.0, burst=10.0),
    configured=configured,
    credentialed=configured,
    build=build,
    configuration=configuration,
    checks=tokens,
)
