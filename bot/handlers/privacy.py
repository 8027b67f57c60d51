"""`privacy show-me` and `privacy delete-me`: what the bot holds about a person, and deleting it."""

from __future__ import annotations

import logging

from bot.messages import Bullets, Button, Buttons, Context, Heading, Reply, Text
from bot.registry import CommandSpec, Usage
from bot.storage.personal import Deletion
from bot.turn import Turn

log = logging.getLogger(__name__)


async def privacy(turn: Turn) -> Reply:
    """`privacy show-me` and `privacy delete-me [confirm]`."""
    services = turn.services
    args, tenant, person = turn.command.args, turn.team.tenant_id, turn.person
    if args[:1] == ("delete-me",):
        if "confirm" not in args:
            return Reply(
                summary="Delete what I hold about you?",
                blocks=(
                    Text(
                        text="This deletes your check-in and survey answers, reflections, "
                        "walkthrough place, the drivers you added to a board, your stars on "
                        "proposed agreements, suggestions still waiting to be shared and your "
                        "reminder setting at once. Figures already "
                        "shown change only with the next batch of answers, so your deletion "
                        "cannot be told apart from anyone else's action."
                    ),
                    Buttons(
                        buttons=(
                            Button(label="Delete my data", command="privacy delete-me confirm"),
                        )
                    ),
                ),
            )
        deletion = Deletion(services.clock.now(), services.policy(turn.team))
        forgotten = [
            await store.forget_person(tenant, person, deletion) for store in services.personal
        ]
        log.info("person data deleted", extra={"tenant": tenant})
        parts = [f.deleted for f in forgotten if f.deleted]
        words = "Deleted " + (", ".join(parts[:-1]) + " and " if len(parts) > 1 else "")
        return Reply.saying(words + parts[-1] + ".", *(f.note for f in forgotten if f.note))
    roles = sorted(turn.roles - {"staff"}) or ["staff"]
    items = [f"Your role here: {', '.join(roles)} (stored with your user id, so the bot knows it)"]
    for store in services.personal:
        items += await store.held_about(tenant, person)
    return Reply(
        summary="What I hold about you",
        blocks=(
            Heading(text="What I hold about you"),
            Bullets(items=tuple(items)),
            Context(
                text=f"Raw answers are deleted after {services.options.retention_days} days; "
                "`privacy delete-me` deletes yours now."
            ),
        ),
    )


COMMANDS = (
    CommandSpec(
        name="privacy",
        handle=privacy,
        usage=(
            Usage("privacy show-me", "what the bot holds about you"),
            Usage("privacy delete-me", "delete it"),
        ),
        menu="What the bot holds about you, and deleting it",
        rank=90,
    ),
)
