"""What crbot knows of a chat platform before it runs, declared by the platform's adapter.

The composition root lists the registered platforms (`crbot/platform_registry.py`) and tells
the rest what it needs of them: their names (the prefix of their tenant ids, for metrics labels
and the rollout CLI), their tables' history (for migrations) and how fast they take posts (for
the scheduler's limiter). The core names no platform itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.engine import Schema


@dataclass(frozen=True)
class Rate:
    """A sustained rate of posts per second, with a burst allowance (the scheduler's buckets)."""

    per_second: float
    burst: float


@dataclass(frozen=True)
class PlatformSpec:
    """One platform: its name, its own tables (if any), and its posting limits (if any)."""

    name: str
    schema: Schema | None = None
    # Per channel (conversation) and per workspace (tenant), from PLATFORM.md.
    channel_rate: Rate | None = None
    workspace_rate: Rate | None = None
