"""`follow-up`: a leader's or facilitator's words to the team channel, now or at a chosen time."""

from __future__ import annotations

from bot.commands import number
from bot.errors import CrbotError, ErrorCode
from bot.features import followups
from bot.messages import Reply, Target
from bot.registry import CommandSpec, Usage
from bot.rollouts import leaders
from bot.rollouts.plan import PlanError
from bot.turn import Turn


async def follow_up(turn: Turn) -> Reply:
    """Typed in a channel it posts there; a leader note's form names its own team and time."""
    incoming, args = turn.incoming, turn.command.args
    if incoming.form is not None and args and args[0].startswith(leaders.ROLLOUT_REF):
        return await _from_note(turn)
    if incoming.form is not None:
        form = incoming.form
        channel = form.get("channel") or incoming.place.address
        text, as_self = form.get("text", ""), form.get("as", "me") == "me"
    else:
        channel, text, as_self = incoming.place.address, turn.command.rest, True
    target = Target(tenant=turn.tenant, address=channel)
    return await followups.post_follow_up(turn.port, incoming.person, target, text, as_self)


async def _from_note(turn: Turn) -> Reply:
    """A leader note's follow-up button: post to that team's channel now, or schedule it."""
    services, args, form = turn.services, turn.command.args, turn.incoming.form or {}
    rollout_id = args[0].removeprefix(leaders.ROLLOUT_REF)
    rollout = await services.rollouts.store.get(turn.tenant, rollout_id)
    if rollout is None or rollout.status not in ("active", "paused"):
        return Reply.saying(
            "That team's programme has ended, so I can't post there for you.",
            "Type `follow-up` and your words in the team channel to post it yourself.",
        )
    text = form.get("text", "")
    day, clock = form.get("date", "").strip(), form.get("time", "").strip()
    if not day and not clock:
        target = Target(tenant=turn.tenant, address=rollout.address)
        return await followups.post_follow_up(
            turn.port, turn.incoming.person, target, text, as_self=True
        )
    text = text.strip()
    if not text:
        return Reply.saying("Write the follow-up first, then choose when to post it.")
    if len(text) > followups.MAX_FOLLOW_UP:
        raise CrbotError(ErrorCode.TOO_LONG)
    try:
        local = leaders.when(day, clock, rollout.timezone, services.clock.now())
    except PlanError as error:
        return Reply.saying(error.problems[0], "Nothing was scheduled.")
    section = (number(args[1]) if len(args) > 1 else None) or 0
    person = turn.incoming.person
    new = await leaders.schedule_follow_up(services, rollout, person, section, local, text)
    when = leaders.at(local, rollout.timezone)
    words = (
        f"Your follow-up will be posted in {rollout.address} on {when}."
        if new
        else f"That follow-up is already scheduled for {when}."
    )
    return Reply.saying(
        words, "I'll post it once, as you wrote it. If I can't post it on time, I'll tell you."
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
