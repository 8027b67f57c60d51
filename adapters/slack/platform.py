"""The Slack platform as the composition root registers it."""

from __future__ import annotations

from adapters.slack.tables import SCHEMA
from bot.platform import PlatformSpec

PLATFORM = PlatformSpec(name="slack", schema=SCHEMA)
