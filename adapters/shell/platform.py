"""The local shell as the composition root registers it: no tables."""

from __future__ import annotations

from bot.platform import PlatformSpec

PLATFORM = PlatformSpec(name="shell")
