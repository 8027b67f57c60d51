"""Facilitators' chat commands: `schedule` a section and change the channel's `rollout`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.commands import number
from bot.messages import Bullets, Context, File, Heading, Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage
from bot.rollouts import uncertain
from bot.rollouts.cadence import RHYTHMS, Rhythm
from bot.rollouts.ics import calendar_file
from bot.rollouts.plan import Circle, PlanError, local_time, parse_local
from bot.services import Services
from bot.storage.rollouts import RolloutRecord
from bot.turn import Turn

log = logging.getLogger(__name__)

PREVIEW_LINES = 12
USAGE = (
    "Schedule a section's circle with `schedule SECTION DATE TIME ZONE`, for example "
    "`schedule 2 2027-03-16 09:00 Europe/London`."
)
ROLLOUT_USAGE = (
    "Try `rollout preview`, `rollout pause`, `rollout resume`, `rollout skip 3`, "
    "`rollout move 3 2027-05-11 09:00`, `rollout done 3 2`, `rollout prompts three`, "
    "`rollout calendar` or `rollout end`."
)
RHYTHM_WORDS: dict[Rhythm, str] = {
    "daily": "every working day",
    "three": "three times a week (Monday, Wednesday and Friday)",
    "weekly": "once a week, midweek",
}
PROMPTS_USAGE = (
    "Choose with `rollout prompts daily`, `rollout prompts three` (three a week) or "
    "`rollout prompts weekly`."
)


def _refusal(error: PlanError) -> Reply:
    first = "I couldn't plan that, and nothing has changed."
    return Reply(summary=first, blocks=(Text(text=first), Bullets(items=tuple(error.problems))))


async def schedule(turn: Turn) -> Reply:
    """Add or move a section's circle in this channel (a form's fields, or typed words)."""
    services = turn.services
    form, args = turn.incoming.form, turn.command.rest.split()
    if form is not None:
        fields = [form.get(name, "") for name in ("section", "date", "time", "timezone")]
        address = form.get("channel") or turn.incoming.place.address
    else:
        fields, address = args, turn.incoming.place.address
    section = number(fields[0]) if len(fields) == 4 and all(fields) else None
    if section is None:
        return Reply.saying(USAGE)
    day, clock, zone = fields[1:]
    try:
        local = parse_local(f"{day}T{local_time(clock).isoformat(timespec='minutes')}")
        rollout_id, created = await services.rollouts.schedule(
            tenant=turn.team.tenant_id,
            address=address,
            section=section,
            local=local,
            timezone=zone,
            pack=turn.pack,
            by=turn.incoming.person.user_id,
        )
    except PlanError as error:
        log.info("schedule refused", extra={"tenant": turn.team.tenant_id, "command": "schedule"})
        return _refusal(error)
    words = f"Section {section}'s circle is set for {day} at {clock} ({zone})."
    more = "I've started this channel's rollout" if created else "I've re-planned the rollout"
    notes = [f"{more} ({rollout_id}). Type `rollout preview` to see what I'll post."]
    closed = await services.rollouts.closed_days(turn.team.tenant_id, [Circle(section, local)])
    holiday = closed.get(local.date())
    if holiday:
        # The circle stays where the facilitator put it; only the posts keep off the day.
        notes.insert(0, f"That day is {holiday}: I post nothing then. Move it if you won't meet.")
    return Reply.saying(words, *notes)


async def rollout(turn: Turn) -> Reply:
    """Change or look at the rollout in this channel."""
    services = turn.services
    tenant, args = turn.team.tenant_id, turn.command.args
    if args and args[0] == uncertain.POST_NOW:
        # From the facilitators' note, in a direct message: the post names its own rollout.
        row_id = uncertain.row_named(args[1:])
        if row_id is None:
            return Reply.saying("Press “Post it now” beside a post in my note to post it.")
        return await uncertain.post_now(services, turn.port, turn.team, turn.pack, row_id)
    found = await services.rollouts.store.for_place(tenant, turn.incoming.place.address)
    if found is None:
        return Reply.saying("There's no rollout in this channel yet.", USAGE)
    verb = args[0] if args else "preview"
    try:
        return await _change(services, turn, found, verb, list(args[1:]))
    except PlanError as error:
        return _refusal(error)


async def _change(
    services: Services, turn: Turn, found: RolloutRecord, verb: str, args: list[str]
) -> Reply:
    store, tenant = services.rollouts.store, found.tenant_id
    if verb == "preview":
        return await preview(services, turn, found)
    if verb == "calendar":
        return await calendar(services, turn, found)
    if verb == "prompts":
        return await prompts(services, turn, found, args)
    if verb in ("pause", "resume", "end"):
        status = {"pause": "paused", "resume": "active", "end": "ended"}[verb]
        await store.set_status(
            tenant, found.id, status, "by a facilitator" if verb == "pause" else None
        )
        return Reply.saying(f"The rollout is {status}.")
    numbers = [number(arg) for arg in args]
    chosen = numbers[0] if numbers else None
    if verb == "skip" and chosen is not None:
        await services.rollouts.skip(found, chosen, turn.pack)
        return Reply.saying(f"Section {chosen} is skipped; its posts are off the plan.")
    if verb == "move" and len(args) == 3 and chosen is not None:
        local = parse_local(f"{args[1]}T{local_time(args[2]).isoformat(timespec='minutes')}")
        await services.rollouts.move(found, chosen, local, turn.pack)
        return Reply.saying(
            f"Section {chosen}'s circle is now {args[1]} at {args[2]}; its posts moved too."
        )
    if verb == "done" and len(args) == 2 and chosen is not None and numbers[1] is not None:
        section, item = turn.pack.section(chosen), numbers[1]
        if section is None or not 1 <= item <= len(section.components):
            return Reply.saying("That checklist item isn't there.", ROLLOUT_USAGE)
        await store.tick(
            tenant, found.id, section.number, item - 1, "facilitator", services.clock.now()
        )
        return Reply.saying(f"Marked item {item} of Section {chosen}'s checklist as done.")
    return Reply.saying(ROLLOUT_USAGE)


async def prompts(services: Services, turn: Turn, found: RolloutRecord, args: list[str]) -> Reply:
    """How often this channel's prompts come, or a facilitator's change to it."""
    if not args:
        now = RHYTHM_WORDS[services.rollouts.rhythm(found)]
        return Reply.saying(f"Prompts come {now} in this channel.", PROMPTS_USAGE)
    named: dict[str, Rhythm] = {known: known for known in RHYTHMS}
    rhythm = named.get(args[0].lower()) if len(args) == 1 else None
    if rhythm is None:
        return Reply.saying("I know three rhythms for prompts.", PROMPTS_USAGE)
    coming = await services.rollouts.set_rhythm(found, rhythm, turn.pack)
    log.info("prompt rhythm changed", extra={"tenant": found.tenant_id, "job_id": found.id})
    return Reply.saying(
        f"Prompts now come {RHYTHM_WORDS[rhythm]} in this channel: {coming} still to come.",
        "Type `rollout preview` to see the next posts.",
    )


async def calendar(services: Services, turn: Turn, found: RolloutRecord) -> Reply:
    """The rollout as an .ics file, written to the reports folder for the adapter to upload."""
    posts = await services.rollouts.posts(found, turn.pack)
    ics = calendar_file(found, posts, turn.pack, services.clock.now())
    folder = services.options.reports_dir
    if folder is None:
        # No folder to hand files over in: say where the same file can be had.
        words = f"The calendar for rollout {found.id} has {len(posts)} posts."
        return Reply.saying(
            words,
            f"An administrator can save it with `crbot rollout preview {found.id} --ics FILE`.",
        )
    # The rollout id is random, so the name carries no team or channel to the platform.
    filename = f"rollout-{found.id}.ics"
    path = folder / filename
    await asyncio.to_thread(_write, path, ics)
    words = f"Here is the calendar for this channel's rollout: {len(posts)} posts and the circles."
    return Reply(
        summary=words,
        blocks=(
            Text(text=words),
            File(
                path=str(path),
                filename=filename,
                title="Compassion Resilience circles",
                media_type="text/calendar",
            ),
            Context(text="Open it to add the circles and the bot's posts to your calendar."),
        ),
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def preview(services: Services, turn: Turn, found: RolloutRecord) -> Reply:
    """The next posts of the rollout, privately."""
    posts = await services.rollouts.posts(found, turn.pack)
    upcoming = [post for post in posts if post.due_at > services.clock.now()]
    lines = tuple(post.line() for post in upcoming[:PREVIEW_LINES])
    words = f"Rollout {found.id} ({found.status}): {len(upcoming)} posts to come."
    rhythm = f"Prompts come {RHYTHM_WORDS[services.rollouts.rhythm(found)]}."
    return Reply(
        summary=words,
        blocks=(
            Heading(text="Coming up"),
            Text(text=words),
            Bullets(items=lines or ("Nothing.",)),
            Context(text=f"{rhythm} Change it with `rollout prompts daily|three|weekly`."),
        ),
    )


COMMANDS = (
    CommandSpec(
        name="schedule",
        handle=schedule,
        allowed=FACILITATORS,
        usage=(
            Usage(
                "schedule SECTION DATE TIME ZONE",
                "plan a section's circle in this channel, e.g. `schedule 2 2027-03-16 09:00 "
                "Europe/London`",
                FACILITATORS,
            ),
        ),
        rank=70,
    ),
    CommandSpec(
        name="rollout",
        handle=rollout,
        allowed=FACILITATORS,
        usage=(
            Usage(
                "rollout preview",
                "what this channel's rollout will post; `rollout pause`, `resume`, `skip 3`, "
                "`move 3 DATE TIME`, `done 3 2`, `calendar` or `end` change it",
                FACILITATORS,
            ),
            Usage(
                "rollout prompts daily|three|weekly",
                "how often this channel's prompts come: every working day, three a week or "
                "once a week",
                FACILITATORS,
            ),
        ),
        rank=71,
    ),
)
