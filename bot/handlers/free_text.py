"""What the parser makes of words that are not a command: a hello, a thanks, or anything else."""

from __future__ import annotations

from bot.messages import Reply
from bot.registry import CommandSpec
from bot.turn import Turn
from bot.wording import offer_reply


async def answer_free_text(turn: Turn) -> Reply:
    """A warm word and what the bot offers, with the same support words a check-in points to."""
    kind = turn.command.args[0] if turn.command.name == "greeting" else "unknown"
    return offer_reply(kind, turn.services.support(turn.team))


COMMANDS = (
    CommandSpec(name="greeting", handle=answer_free_text, typed=False),
    CommandSpec(name="unknown", handle=answer_free_text, typed=False),
)
