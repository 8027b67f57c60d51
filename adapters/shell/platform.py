"""The local shell as the composition root registers it: no tables, no posting limits.

`crbot shell` runs it by itself, so `crbot run` never builds it and the doctor has nothing of
it to check.
"""

from __future__ import annotations

from adapters.running import Platform
from bot.platform import PlatformSpec

PLATFORM: PlatformSpec[Platform] = PlatformSpec(name="shell")
