"""`support`: where to turn for help; facilitators' `support set ...` and `support clear`."""

from __future__ import annotations

import logging

from bot.features.help import NOT_A_CRISIS_SERVICE
from bot.messages import Button, Buttons, Context, Form, FormField, Heading, Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage, by_first_word
from bot.storage.team_settings import MAX_SUPPORT_CHARS, MAX_SUPPORT_LINES, TeamSettings
from bot.turn import Turn

log = logging.getLogger(__name__)

HEADING = "Where to turn for support"
USAGE = (
    "Type `support set` and the words to show, e.g. `support set EAP 0800 555 0100, "
    "crisis line 555 0199`, or `support clear` to go back to the installation's default."
)


async def support(turn: Turn) -> Reply:
    """`support` for anyone; a facilitator's `support set TEXT` and `support clear`."""
    args = turn.command.args
    if not args:
        return _shown(turn, turn.team)
    if args[0] == "clear":
        await turn.services.team_settings.set_support_resources(turn.tenant, None)
        log.info("support resources cleared", extra={"tenant": turn.tenant, "command": "support"})
        return await _changed(turn, "The team's support resources are back to the default.")
    if args[0] != "set":
        return Reply.saying(USAGE)
    typed = turn.command.rest.split(" ", 1)[1] if " " in turn.command.rest else ""
    # A form keeps the lines it was given; a typed command arrives as one line.
    text = (turn.incoming.form or {}).get("text", typed)
    try:
        await turn.services.team_settings.set_support_resources(turn.tenant, text)
    except ValueError as refused:
        log.info("support resources refused", extra={"tenant": turn.tenant, "command": "support"})
        return Reply.saying(f"Nothing has changed: {refused}.", USAGE)
    log.info("support resources set", extra={"tenant": turn.tenant, "command": "support"})
    return await _changed(turn, "The team's support resources are changed.")


async def _changed(turn: Turn, words: str) -> Reply:
    # The team's settings were read before the change; the reply shows them as they now are.
    return _shown(turn, await turn.services.team(turn.tenant), changed=words)


def _shown(turn: Turn, team: TeamSettings, changed: str = "") -> Reply:
    own, resources = team.support_resources, turn.services.support(team)
    blocks: list[Text | Heading | Context | Buttons] = [Text(text=changed)] if changed else []
    blocks += [Heading(text=HEADING), Text(text=resources), Context(text=NOT_A_CRISIS_SERVICE)]
    if "facilitator" in turn.roles:
        blocks.append(_facilitator_buttons(own, resources))
    return Reply(summary=changed or HEADING, blocks=tuple(blocks))


def _facilitator_buttons(own: str | None, shown: str) -> Buttons:
    field = FormField(
        name="text",
        label=f"What people see (at most {MAX_SUPPORT_LINES} lines)",
        kind="long_text",
        initial=shown,
        max_length=MAX_SUPPORT_CHARS,
    )
    change = Button(
        label="Change",
        command="support set",
        form=Form(title="The team's support resources", submit_label="Save", fields=(field,)),
    )
    clear = (Button(label="Back to the default", command="support clear"),) if own else ()
    return Buttons(buttons=(change, *clear))


COMMANDS = (
    CommandSpec(
        name="support",
        handle=support,
        allowed_for=by_first_word({"set": FACILITATORS, "clear": FACILITATORS}),
        usage=(
            Usage("support", "where to turn for help: the EAP, a crisis line"),
            Usage("support set TEXT", "change the team's support resources", FACILITATORS),
            Usage("support clear", "go back to the installation's default", FACILITATORS),
        ),
        rank=88,
    ),
)
