"""Which chat platforms run: each registered platform its settings configure, built by its adapter.

Each contributes a `Platform` (`adapters/running.py`): routes to mount on the one web server, a
ChatPort for proactive sends (keyed by the tenant prefix it owns, e.g. `slack`), and start/stop
hooks.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from adapters.running import Platform
from bot.settings import Settings
from crbot import platform_registry
from crbot.runtime import Runtime

__all__ = ["Platform", "any_configured", "configured_platforms", "platforms_for_a_command"]


def any_configured(settings: Settings) -> bool:
    """Whether these settings configure any chat platform (else `crbot run` is the shell)."""
    return any(
        platform.build is not None and platform.configured(settings)
        for platform in platform_registry.REGISTERED
    )


def configured_platforms(runtime: Runtime) -> list[Platform]:
    """The registered platforms whose credentials (or local mode) are configured, built."""
    settings = runtime.settings
    return [
        platform.build(settings, runtime.core, runtime.engine)
        for platform in platform_registry.REGISTERED
        if platform.build is not None and platform.configured(settings)
    ]


@contextlib.asynccontextmanager
async def platforms_for_a_command(runtime: Runtime) -> AsyncIterator[list[Platform]]:
    """The configured platforms for a one-off command (`crbot post`): built, never started
    (their ports send without it), and stopped when the command is done, so their HTTP sessions
    close before the process exits."""
    platforms = configured_platforms(runtime)
    try:
        yield platforms
    finally:
        for platform in reversed(platforms):
            if platform.stop is not None:
                await platform.stop()
