"""What crbot knows of a chat platform, declared by the platform's adapter.

The composition root lists the registered platforms (`crbot/platform_registry.py`) and asks
them what it needs: their names (the prefix of their tenant ids, for metrics labels and the
rollout CLI), their tables' history (for migrations), how fast they take posts (for the
scheduler's limiter), whether the settings configure them, how to build them for `crbot run`
and what the doctor should check of them. The core names no platform itself.
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace, _SubParsersAction
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from bot.checks import Check
from bot.settings import Settings
from bot.storage.engine import Schema

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.core import Core

# A platform's own `crbot` subcommand runs with the parsed arguments, the settings and a way to
# print a line, and returns the exit status.
Command = Callable[[Namespace, Settings, Callable[[str], None]], int]
# The attribute its parser sets (`set_defaults(platform_command=...)`) for `crbot` to dispatch.
COMMAND = "platform_command"

# What a built platform is (routes, port, start and stop) is the adapters' business, not the
# core's: the spec only carries the adapter's builder through to the composition root.
Built = TypeVar("Built")


@dataclass(frozen=True)
class Rate:
    """A sustained rate of posts per second, with a burst allowance (the scheduler's buckets)."""

    per_second: float
    burst: float


def never(_: Settings) -> bool:
    """A platform the settings never configure (the shell runs by `crbot shell` instead)."""
    return False


@dataclass(frozen=True)
class PlatformSpec(Generic[Built]):
    """One platform: its name, tables, posting limits, and the hooks that run and check it."""

    name: str
    schema: Schema | None = None
    # Per channel (conversation) and per workspace (tenant), from PLATFORM.md.
    channel_rate: Rate | None = None
    workspace_rate: Rate | None = None
    # Whether `crbot run` should start it under these settings (credentials, or a local mode).
    configured: Callable[[Settings], bool] = never
    # Whether it reaches real people through a real platform: then the pseudonym key must come
    # from the environment, so replicas agree and rotation is deliberate.
    credentialed: Callable[[Settings], bool] = never
    # Builds it for `crbot run`; asked only when `configured` says so.
    build: Callable[[Settings, Core, AsyncEngine], Built] | None = None
    # The doctor's checks of it, each failure with its fix: of its settings alone (with the
    # other configuration checks), then against the platform itself (credentials accepted...).
    configuration: Callable[[Settings], list[Check]] | None = None
    checks: Callable[[Settings], Awaitable[list[Check]]] | None = None
    # Adds its own `crbot` subcommands, each parser setting `COMMAND` to a `Command`.
    commands: Callable[[_SubParsersAction[ArgumentParser]], None] | None = None
