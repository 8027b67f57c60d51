"""`help`: the commands the person may use, as they must be typed where they asked."""

from __future__ import annotations

from bot.features.help import help_reply
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.turn import Turn


async def show_help(turn: Turn) -> Reply:
    """Everyone's commands plus those the person's roles allow."""
    # The router fits every command a reply names to where it was asked, these included.
    return help_reply(turn.commands.help_lines(turn.roles), "", turn.pack.info.title)


COMMANDS = (
    CommandSpec(
        name="help",
        handle=show_help,
        aliases=("?", "start"),
        usage=(Usage("help", "this list"),),
        menu="What I can do",
        rank=1,
    ),
)
