"""`help`: the commands the person may use, as they must be typed where they asked."""

from __future__ import annotations

from cachetools import LRUCache

from bot.features.help import help_reply
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.turn import Turn

# One help per pack and set of roles: the same object each time, so the router fits it to a
# place once rather than on every request.
_built: LRUCache[tuple[int, frozenset[str]], Reply] = LRUCache(maxsize=64)


async def show_help(turn: Turn) -> Reply:
    """Everyone's commands plus those the person's roles allow."""
    key = (id(turn.loaded), turn.roles)
    known = _built.get(key)
    if known is not None:
        return known
    # The router fits every command a reply names to where it was asked, these included.
    reply = help_reply(turn.commands.help_lines(turn.roles), "", turn.pack.info.title)
    _built[key] = reply
    return reply


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
