"""`help`: the commands the person may use, as they must be typed where they asked."""

from __future__ import annotations

from bot.features.help import help_reply
from bot.features.kept import KeptReplies
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.turn import Turn

# One help per pack and set of roles.
_built = KeptReplies(64)


async def show_help(turn: Turn) -> Reply:
    """Everyone's commands plus those the person's roles allow."""

    def build() -> Reply:
        # The router fits every command a reply names to where it was asked, these included.
        reply = help_reply(turn.commands.help_lines(turn.roles), "", turn.pack.info.title)
        return reply.model_copy(update={"fixed": True})

    return _built.get((id(turn.loaded), turn.roles), build)


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
