"""Microsoft Teams as the composition root registers it: limits, tables, builder, checks."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace, _SubParsersAction
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.running import Platform
from adapters.teams.checks import configuration, token
from adapters.teams.tables import SCHEMA
from bot.platform import COMMAND, PlatformSpec, Rate
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.core import Core


def configured(settings: Settings) -> bool:
    """Teams runs with an app id, or in local mode (the Agents Playground) without one."""
    return settings.teams_configured


def credentialed(settings: Settings) -> bool:
    """Local mode reaches nobody; an app id reaches real tenants."""
    return settings.microsoft_app_id is not None


def build(settings: Settings, core: Core, engine: AsyncEngine) -> Platform:
    """The Bot Framework endpoint's route and the port for proactive sends."""
    # Bot Framework stays out of the CLI's import path unless Teams is configured.
    from adapters.teams.service import build_teams

    teams = build_teams(settings, core, engine)
    return Platform(name=PLATFORM.name, mounts=[teams.mount], port=teams.port, stop=teams.stop)


def package(args: Namespace, settings: Settings, say: Callable[[str], None]) -> int:
    """`crbot teams package`: write the installable Teams app zip."""
    from adapters.teams.package import main

    return main(args.out, settings, say)


def commands(parsers: _SubParsersAction[ArgumentParser]) -> None:
    """`crbot teams package --out FILE`."""
    teams = parsers.add_parser("teams", help="Microsoft Teams").add_subparsers(required=True)
    packaging = teams.add_parser("package", help="write the installable Teams app zip")
    packaging.add_argument("--out", type=Path, default=Path("crbot-teams.zip"), help="zip to write")
    packaging.set_defaults(**{COMMAND: package})


# Bot Framework: per conversation 7 per second and 60 per 30 seconds (2/s sustained); per
# tenant 30 RPS in the stricter revision of the docs.
PLATFORM: PlatformSpec[Platform] = PlatformSpec(
    name="teams",
    schema=SCHEMA,
    channel_rate=Rate(per_second=2.0, burst=7.0),
    workspace_rate=Rate(per_second=30.0, burst=30.0),
    configured=configured,
    credentialed=credentialed,
    build=build,
    configuration=configuration,
    checks=token,
    commands=commands,
)
