"""`console`: a private one-time link into the facilitators' and leaders' console."""

from __future__ import annotations

from bot.console.signin import console_link
from bot.messages import Reply
from bot.registry import FACILITATORS_AND_LEADERS, CommandSpec, Usage
from bot.turn import Turn


async def console(turn: Turn) -> Reply:
    """The person's own sign-in link, good once for a few minutes."""
    services, options = turn.services, turn.services.options
    return await console_link(
        turn,
        services.console,
        options.public_url,
        services.clock.now(),
        port_taken=options.console_port_taken,
    )


COMMANDS = (
    CommandSpec(
        name="console",
        handle=console,
        usage=(
            Usage(
                "console",
                "your own link to the console, to plan and follow the programme in a browser",
                FACILITATORS_AND_LEADERS,
            ),
        ),
        rank=85,
    ),
)
