"""Microsoft Teams as the composition root registers it."""

from __future__ import annotations

from adapters.teams.tables import SCHEMA
from bot.platform import PlatformSpec

PLATFORM = PlatformSpec(name="teams", schema=SCHEMA)
