"""Posts the bot could not make on time: it skips them rather than post late, and tells the
rollout's facilitators which, each by name and planned time in the team's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.messages import Bullets, Context, Reply, Text
from bot.rollouts.uncertain import LISTED, describe
from bot.storage.rollouts import RolloutRecord
from content.models import Pack

SUMMARY = "Posts I skipped"


def notice(
    pack: Pack, rollout: RolloutRecord, missed: Sequence[tuple[str, int, datetime]]
) -> Reply:
    """The facilitators' note: each missed post (kind, section, when it was due) by name."""
    count = len(missed)
    posts, them = ("post", "it") if count == 1 else (f"{count} posts", "them")
    words = (
        f"I couldn't make {'this' if count == 1 else 'these'} {posts} on time (the bot was "
        f"offline or the rollout paused), so I skipped {them} rather than post late:"
    )
    items = [describe(pack, rollout, kind, section, due) for kind, section, due in missed[:LISTED]]
    if count > LISTED:
        items.append(f"…and {count - LISTED} more, planned about the same time.")
    return Reply(
        summary=SUMMARY,
        blocks=(
            Text(text=words),
            Bullets(items=tuple(items)),
            Context(text=f"Rollout {rollout.id} in {rollout.address}"),
        ),
    )
