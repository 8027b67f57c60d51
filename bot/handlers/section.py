"""`section` (what the team is on, or moving it on), `practice` and `prompt`."""

from __future__ import annotations

from bot.commands import number
from bot.features import sections
from bot.messages import Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage, with_arguments
from bot.turn import Turn


async def section(turn: Turn) -> Reply:
    """`section` shows the team's section; a facilitator's `section 2` moves the team on."""
    args, pack = turn.command.args, turn.pack
    if not args:
        return sections.overview(pack, turn.team.current_section)
    chosen = number(args[0])
    if chosen is None or pack.section(chosen) is None:
        return Reply.saying(f"Sections are numbered 1 to {len(pack.sections)}.")
    await turn.services.teams.set_current_section(turn.tenant, chosen)
    reply = sections.overview(pack, chosen)
    words = f"The team is now on Section {chosen}."
    return reply.model_copy(update={"summary": words, "blocks": (Text(text=words), *reply.blocks)})


async def practice(turn: Turn) -> Reply:
    """This section's wellness practice."""
    return sections.practice(turn.pack, turn.team.current_section)


async def prompt(turn: Turn) -> Reply:
    """Today's prompt."""
    today = turn.services.clock.now().date()
    return sections.prompt(turn.pack, turn.team.current_section, today)


COMMANDS = (
    CommandSpec(
        name="practice",
        handle=practice,
        usage=(Usage("practice", "this section's wellness practice"),),
        menu="This section's wellness practice",
        rank=30,
    ),
    CommandSpec(
        name="prompt",
        handle=prompt,
        usage=(Usage("prompt", "today's prompt"),),
        rank=31,
    ),
    CommandSpec(
        name="section",
        handle=section,
        allowed_for=with_arguments(FACILITATORS),
        usage=(
            Usage("section", "what the team is working on"),
            Usage("section 2", "move the team on to another section", FACILITATORS),
        ),
        rank=40,
    ),
)
