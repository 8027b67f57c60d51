"""A chat platform as `crbot run` runs it: what its adapter's builder hands the composition root.

Each platform contributes routes to mount on the one web server, a ChatPort for proactive sends
(keyed by the tenant prefix it owns, e.g. `slack`), and start/stop hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.ports import ChatPort

Mount = Callable[[web.Application], None]


@dataclass
class Platform:
    """One chat platform's contribution to the running bot."""

    name: str
    mounts: list[Mount] = field(default_factory=list)
    port: ChatPort | None = None
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
