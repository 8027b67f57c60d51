"""The chat platforms crbot knows. Adding one is its adapter's folder and a line here.

Everything that needs the platforms' names or tables reads them from here: migrations (each
platform's own history) and the export's classification of tables. Which platforms actually
run is `crbot/platforms.py`'s question.
"""

from __future__ import annotations

from adapters.shell.platform import PLATFORM as SHELL
from adapters.slack.platform import PLATFORM as SLACK
from adapters.teams.platform import PLATFORM as TEAMS
from bot.platform import PlatformSpec
from bot.storage.engine import Schema

REGISTERED: tuple[PlatformSpec, ...] = (SLACK, TEAMS, SHELL)


def platform_names() -> tuple[str, ...]:
    """Every registered platform's name, the prefix of its tenant ids."""
    return tuple(platform.name for platform in REGISTERED)


def platform_schemas() -> tuple[Schema, ...]:
    """The registered platforms' own tables and histories, migrated beside the core's."""
    return tuple(platform.schema for platform in REGISTERED if platform.schema is not None)
