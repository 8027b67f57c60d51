"""`scenario`, `next`/`back`, `reflect` and `reflections`: walkthroughs with private reflections."""

from __future__ import annotations

from bot.commands import number
from bot.features import scenarios
from bot.features.kept import KeptReplies
from bot.messages import Reply
from bot.registry import CommandSpec, Usage
from bot.storage.walkthroughs import Position
from bot.turn import Turn


def _walkthroughs(turn: Turn) -> scenarios.Walkthroughs:
    return scenarios.Walkthroughs(turn.services.walkthroughs, turn.services.clock)


# The list of a pack's scenarios, once per pack.
_lists = KeptReplies(16)


async def scenario(turn: Turn) -> Reply:
    """`scenario` lists them; `scenario 2` opens one (a button adds the position)."""
    args, pack = turn.command.args, turn.pack
    if not args:
        return _lists.get(id(turn.loaded), lambda: scenarios.scenario_list(pack))
    position = (number(args[1]) if len(args) > 1 else None) or 0
    return await _walkthroughs(turn).go_to(turn.pack, turn.tenant, turn.person, args[0], position)


async def step(turn: Turn) -> Reply:
    """`next` or `back` from where the person is."""
    delta = 1 if turn.command.name == "next" else -1
    return await _walkthroughs(turn).step(turn.pack, turn.tenant, turn.person, delta)


async def reflect(turn: Turn) -> Reply:
    """`reflect ...`, or a reflection form's text with the place the button was opened at."""
    incoming, args = turn.incoming, turn.command.args
    walkthroughs = _walkthroughs(turn)
    if incoming.form is None:
        return await walkthroughs.reflect(turn.pack, turn.tenant, turn.person, turn.command.rest)
    at = None
    scenario_number = number(args[0]) if args else None
    position = number(args[1]) if len(args) > 1 else None
    if scenario_number is not None and position is not None:
        at = Position(scenario_number, position)
    text = incoming.form.get("text", "")
    return await walkthroughs.reflect(turn.pack, turn.tenant, turn.person, text, at)


async def reflections(turn: Turn) -> Reply:
    """The person's own reflections."""
    return await _walkthroughs(turn).reflections(turn.tenant, turn.person)


COMMANDS = (
    CommandSpec(
        name="scenario",
        handle=scenario,
        aliases=("scenarios",),
        usage=(Usage("scenario", "walk through a scenario, step by step (`scenario 2`)"),),
        menu="Walk through a scenario, step by step",
        rank=20,
    ),
    CommandSpec(
        name="next",
        handle=step,
        usage=(Usage("next", "the walkthrough's next page; `back` the one before"),),
        rank=21,
    ),
    CommandSpec(name="back", handle=step, aliases=("previous",), rank=22),
    CommandSpec(
        name="reflect",
        handle=reflect,
        usage=(Usage("reflect ...", "a private reflection on the page you are on"),),
        rank=23,
    ),
    CommandSpec(
        name="reflections",
        handle=reflections,
        usage=(Usage("reflections", "your own reflections (only you can see them)"),),
        rank=24,
    ),
)
