"""The local shell as the composition root registers it: no tables, no posting limits."""

from __future__ import annotations

from bot.platform import PlatformSpec

PLATFORM = PlatformSpec(name="shell")
