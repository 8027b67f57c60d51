"""Microsoft Teams as the composition root registers it."""

from __future__ import annotations

from adapters.teams.tables import SCHEMA
from bot.platform import PlatformSpec, Rate

# Bot Framework: per conversation 7 per second and 60 per 30 seconds (2/s sustained); per
# tenant 30 RPS in the stricter revision of the docs.
PLATFORM = PlatformSpec(
    name="teams",
    schema=SCHEMA,
    channel_rate=Rate(per_second=2.0, burst=7.0),
    workspace_rate=Rate(per_second=30.0, burst=30.0),
)
