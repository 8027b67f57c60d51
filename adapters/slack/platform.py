"""The Slack platform as the composition root registers it."""

from __future__ import annotations

from adapters.slack.tables import SCHEMA
from bot.platform import PlatformSpec, Rate

# chat.postMessage: about one message per second per channel with short bursts, plus an
# unpublished workspace-wide limit (we stay well under it). Bursts are kept below what Slack
# allows: requests leave on time but may arrive bunched (new connections, retransmits).
PLATFORM = PlatformSpec(
    name="slack",
    schema=SCHEMA,
    channel_rate=Rate(per_second=1.0, burst=2.0),
    workspace_rate=Rate(per_second=50.0, burst=10.0),
)
