"""The chat platforms crbot knows. Adding one is its adapter's folder and a line here.

Everything that needs the platforms reads them from here: migrations (each platform's own
history), the metrics' platform labels, the rollout CLI's choices, the scheduler's posting
limits, which platforms `crbot run` builds (`crbot/platforms.py`), whether the pseudonym key
must come from the environment, and the doctor's per-platform checks. Read `REGISTERED` at call
time, never copy it at import: a test may register a platform of its own.
"""

from __future__ import annotations

from adapters.running import Platform
from adapters.shell.platform import PLATFORM as SHELL
from adapters.slack.platform import PLATFORM as SLACK
from adapters.teams.platform import PLATFORM as TEAMS
from bot import metrics
from bot.platform import PlatformSpec
from bot.settings import Settings
from bot.storage.engine import Schema
from scheduler import limiter
from scheduler.limiter import Limits

REGISTERED: tuple[PlatformSpec[Platform], ...] = (SLACK, TEAMS, SHELL)


def platform_names() -> tuple[str, ...]:
    """Every registered platform's name, the prefix of its tenant ids."""
    return tuple(platform.name for platform in REGISTERED)


def platform_schemas() -> tuple[Schema, ...]:
    """The registered platforms' own tables and histories, migrated beside the core's."""
    return tuple(platform.schema for platform in REGISTERED if platform.schema is not None)


def platform_limits() -> dict[str, Limits]:
    """How fast each registered platform takes posts, for the scheduler's limiter."""
    return {
        platform.name: Limits(channel=platform.channel_rate, workspace=platform.workspace_rate)
        for platform in REGISTERED
        if platform.channel_rate is not None or platform.workspace_rate is not None
    }


def credentialed_platforms(settings: Settings) -> tuple[str, ...]:
    """The platforms these settings point at real people (so they need the pseudonym key)."""
    return tuple(platform.name for platform in REGISTERED if platform.credentialed(settings))


def announce_platforms() -> None:
    """Tell the metrics which platform labels exist and the scheduler how fast each posts."""
    metrics.name_platforms(platform_names())
    limiter.pace(platform_limits())
