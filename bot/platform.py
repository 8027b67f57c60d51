"""What crbot knows of a chat platform before it runs, declared by the platform's adapter.

The composition root lists the registered platforms (`crbot/platform_registry.py`) and tells
the rest what it needs of them: their names (the prefix of their tenant ids, for metrics labels
and the rollout CLI) and their tables' history (for migrations). The core names no platform
itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.engine import Schema


@dataclass(frozen=True)
class PlatformSpec:
    """One platform: its name and its own tables (if any)."""

    name: str
    schema: Schema | None = None
