"""`follow-up`: a leader's or facilitator's words to the team channel, now or at a chosen time,
shown to them first as a draft (`bot/features/drafts.py`)."""

from __future__ import annotations

from bot.commands import number
from bot.features import drafts, followups
from bot.messages import MessageRef, Reply, Target
from bot.registry import CommandSpec, Usage
from bot.rollouts import leaders
from bot.rollouts.plan import PlanError
from bot.storage.post_drafts import PostDraft
from bot.turn import Turn


def _kind(turn: Turn) -> drafts.PostKind:
    """A follow-up as the drafts show it; one a note scheduled is kept, not posted, at once."""

    async def publish(draft: PostDraft, post: Reply) -> MessageRef | Reply:
        if "rollout" in draft.details:
            return await _schedule(turn, draft)
        target = Target(tenant=draft.tenant, address=draft.address)
        return await turn.port.send(target, post)

    return drafts.PostKind(
        name="follow-up",
        noun="follow-up",
        command="follow-up",
        limit=followups.MAX_FOLLOW_UP,
        render=lambda draft, text: followups.follow_up_reply(text, draft.details.get("author")),
        publish=publish,
    )


async def follow_up(turn: Turn) -> Reply:
    """Typed in a channel it is for there; a leader note's form names its own team and time."""
    incoming, args = turn.incoming, turn.command.args
    named = drafts.draft_named(args, 0)
    if named is not None:
        words = (incoming.form or {}).get("text") or _typed_after(turn, 2)
        return await drafts.act(turn, _kind(turn), *named, words)
    if incoming.form is not None and args and args[0].startswith(leaders.ROLLOUT_REF):
        return await _from_note(turn)
    if incoming.form is not None:
        form = incoming.form
        channel = form.get("channel") or incoming.place.address
        text, as_self = form.get("text", ""), form.get("as", "me") == "me"
    else:
        channel, text, as_self = incoming.place.address, turn.command.rest, True
    checked = followups.checked(text)
    if isinstance(checked, Reply):
        return checked
    person = incoming.person
    author = (person.display_name or person.user_id) if as_self else None
    return await drafts.start(turn, _kind(turn), channel, checked, author=author)


def _typed_after(turn: Turn, words: int) -> str:
    parts = turn.command.rest.split(maxsplit=words)
    return parts[words] if len(parts) > words else ""


async def _from_note(turn: Turn) -> Reply:
    """A leader note's follow-up button: a draft for that team's channel, now or at a time."""
    services, args, form = turn.services, turn.command.args, turn.incoming.form or {}
    rollout_id = args[0].removeprefix(leaders.ROLLOUT_REF)
    rollout = await services.rollouts.store.get(turn.tenant, rollout_id)
    if rollout is None or rollout.status not in ("active", "paused"):
        return _ended()
    day, clock = form.get("date", "").strip(), form.get("time", "").strip()
    text = form.get("text", "").strip()
    if not text and (day or clock):
        return Reply.saying("Write the follow-up first, then choose when to post it.")
    checked = followups.checked(text)
    if isinstance(checked, Reply):
        return checked
    person = turn.incoming.person
    author = person.display_name or person.user_id
    if not day and not clock:
        return await drafts.start(turn, _kind(turn), rollout.address, checked, author=author)
    try:
        local = leaders.when(day, clock, rollout.timezone, services.clock.now())
    except PlanError as error:
        return Reply.saying(error.problems[0], "Nothing was scheduled.")
    section = (number(args[1]) if len(args) > 1 else None) or 0
    return await drafts.start(
        turn,
        _kind(turn),
        rollout.address,
        checked,
        author=author,
        rollout=rollout.id,
        section=section,
        date=day,
        time=clock,
        when=f"on {leaders.at(local, rollout.timezone)}",
    )


def _ended() -> Reply:
    return Reply.saying(
        "That team's programme has ended, so I can't post there for you.",
        "Type `follow-up` and your words in the team channel to post it yourself.",
    )


async def _schedule(turn: Turn, draft: PostDraft) -> Reply:
    """Keep a note's follow-up for the time its draft names, checked again as it is pressed."""
    services, details = turn.services, draft.details
    rollout = await services.rollouts.store.get(draft.tenant, str(details["rollout"]))
    if rollout is None or rollout.status not in ("active", "paused"):
        raise drafts.NotPosted(_ended())
    try:
        local = leaders.when(
            str(details.get("date", "")),
            str(details.get("time", "")),
            rollout.timezone,
            services.clock.now(),
        )
    except PlanError as error:
        raise drafts.NotPosted(
            Reply.saying(error.problems[0], "Nothing was scheduled: edit the time in a new note.")
        ) from error
    section = int(details.get("section") or 0)
    person = turn.incoming.person
    new = await leaders.schedule_follow_up(services, rollout, person, section, local, draft.text)
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
        usage=(
            Usage(
                "follow-up ...",
                "a follow-up for this channel: you see it first, then post, edit or delete it",
                followups.MAY_POST,
            ),
        ),
        rank=80,
    ),
)
