"""`follow-up`: a leader's or facilitator's words to the team channel, now or at a chosen time."""

from __future__ import annotations

from bot.features import followups
from bot.messages import Reply, Target
from bot.registry import CommandSpec, Usage
from bot.rollouts import leaders
from bot.turn import Turn


async def follow_up(turn: Turn) -> Reply:
    """Typed in a channel it posts there; a leader note's form names its own team and time."""
    incoming = turn.incoming
    if leaders.from_note(turn):
        return await leaders.follow_up(turn.services, turn)
    if incoming.form is not None:
        form = incoming.form
        channel = form.get("channel") or incoming.place.address
        text, as_self = form.get("text", ""), form.get("as", "me") == "me"
    else:
        channel, text, as_self = incoming.place.address, turn.command.rest, True
    target = Target(tenant=turn.tenant, address=channel)
    return await followups.post_follow_up(
        turn.port, turn.roles, incoming.person, target, text, as_self
    )


COMMANDS = (
    CommandSpec(
        name="follow-up",
        handle=follow_up,
        aliases=("followup",),
        allowed=followups.MAY_POST,
        usage=(Usage("follow-up ...", "post a follow-up to this channel", followups.MAY_POST),),
        rank=80,
    ),
)
