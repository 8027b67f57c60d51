"""Which chat platforms run, and how each is wired to the web server and the scheduler.

Each platform contributes a `Platform`: routes to mount on the one web server, a ChatPort for
proactive sends (keyed by the tenant prefix it owns, e.g. `slack`), and start/stop hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.ports import ChatPort
from crbot.runtime import Runtime
from crbot.web import Mount

log = logging.getLogger(__name__)


@dataclass
class Platform:
    """One chat platform's contribution to the running bot."""

    name: str
    mounts: list[Mount] = field(default_factory=list)
    port: ChatPort | None = None
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None


def configured_platforms(runtime: Runtime) -> list[Platform]:
    """The platforms whose credentials (or local mode) are configured."""
    platforms: list[Platform] = []
    # Each adapter adds itself below, only when configured.
    if runtime.settings.slack_configured:
        from adapters.slack.app import build_slack

        slack = build_slack(
            runtime.settings, runtime.core, runtime.engine, image_file=runtime.core.image_file
        )
        platforms.append(
            Platform(
                name="slack",
                mounts=[slack.mount],
                port=slack.port,
                start=slack.start,
                stop=slack.stop,
            )
        )
    if runtime.settings.teams_configured:
        from adapters.teams.service import build_teams

        teams = build_teams(runtime.settings, runtime.core, runtime.engine)
        platforms.append(Platform(name="teams", mounts=[teams.mount], port=teams.port))
    return platforms
