"""`compassion-steps` (all six steps, or one) and `tips`: the pack's own words, built once."""

from __future__ import annotations

from bot.features import steps
from bot.features.kept import KeptReplies
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.turn import Turn

# Enough for every way of naming a step; odd spellings beyond it push out the least used.
_built = KeptReplies(512)


async def pack_words(turn: Turn) -> Reply:
    """The steps and the tips: the same for everyone with the pack, so each is built once."""
    pack, name, args = turn.pack, turn.command.name, turn.command.args

    def build() -> Reply:
        if name == "tips" or args[:1] == ("tips",):
            return steps.tips(pack)
        if not args:
            return steps.all_steps(pack)
        return steps.one_step(pack, steps.find_step(pack, args))

    return _built.get((id(turn.loaded), name, args), build)


COMMANDS = (
    CommandSpec(
        name="steps",
        handle=pack_words,
        aliases=("step",),
        usage=(
            Usage("compassion-steps", "the six Compassionate Action Steps"),
            Usage(
                "compassion-steps 3",
                "one step with its questions (or name it: `compassion-steps empathy`)",
            ),
        ),
        menu="The six Compassionate Action Steps",
        rank=10,
    ),
    CommandSpec(
        name="tips",
        handle=pack_words,
        usage=(Usage("compassion-steps tips", "phrases for moving from empathy to action"),),
        rank=11,
    ),
)
