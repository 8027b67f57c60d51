"""Facilitators' chat commands: `schedule` a section and change the channel's `rollout`."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date
from pathlib import Path

from bot.commands import number
from bot.features.scheduling import chosen_section, schedule_form
from bot.handlers.rollout_preview import past_warning, preview, programme_of, section_warnings
from bot.messages import Block, Bullets, Button, Buttons, Context, File, Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage
from bot.rollouts import uncertain
from bot.rollouts.cadence import RHYTHMS, Rhythm
from bot.rollouts.ics import calendar_file
from bot.rollouts.plan import Circle, PlanError, local_time, parse_local
from bot.services import Services
from bot.storage.rollouts import RolloutRecord
from bot.turn import Turn

log = logging.getLogger(__name__)

USAGE = (
    "Schedule a section's circle with `schedule`, which asks for the section, the day and the "
    "time, or type it all: `schedule 2 2027-03-16 09:00 Europe/London`."
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
# A rollout's id, as a button names it last (`rollout end 670959fef3b6`).
ROLLOUT_ID = re.compile(r"[0-9a-f]{12}")
KEEP = Button(label="Keep it as it is", command="rollout keep")
UNCHANGED = "Nothing has changed."


def _refusal(error: PlanError) -> Reply:
    first = "I couldn't plan that, and nothing has changed."
    return Reply(summary=first, blocks=(Text(text=first), Bullets(items=tuple(error.problems))))


async def schedule(turn: Turn) -> Reply:
    """Add or move a section's circle in this channel (a form's fields, or typed words); with
    anything missing, the form to fill in."""
    services, tenant = turn.services, turn.team.tenant_id
    form, args = turn.incoming.form, turn.command.rest.split()
    if form is not None:
        fields = [form.get(name, "") for name in ("section", "date", "time", "timezone")]
        address = form.get("channel") or turn.incoming.place.address
    else:
        fields, address = args, turn.incoming.place.address
    zone = await services.rollouts.team_zone(tenant, address, turn.team.timezone)
    if form is None and len(fields) == 3 and zone is not None:
        fields.append(zone)  # typed without a zone: the team's
    section = chosen_section(fields[0]) if len(fields) == 4 and all(fields) else None
    if section is None:
        return _schedule_form(turn, fields, zone)
    day, clock, zone = fields[1:]
    try:
        local = parse_local(f"{day}T{local_time(clock).isoformat(timespec='minutes')}")
        rollout_id, created = await services.rollouts.schedule(
            tenant=tenant,
            address=address,
            section=section,
            local=local,
            timezone=zone,
            pack=turn.pack,
            by=turn.incoming.person.user_id,
        )
    except PlanError as error:
        log.info("schedule refused", extra={"tenant": tenant, "command": "schedule"})
        return _refusal(error)
    words = f"Section {section}'s circle is set for {day} at {clock} ({zone})."
    more = "I've started this channel's rollout" if created else "I've re-planned the rollout"
    blocks: list[Block] = [Text(text=words)]
    found = await services.rollouts.store.get(tenant, rollout_id)
    shown = await programme_of(services, found, turn.pack) if found else None
    past = section_warnings(shown, section) if shown else []
    if past:
        blocks += [Text(text=past_warning(len(past))), Bullets(items=tuple(past))]
    closed = await services.rollouts.closed_days(tenant, [Circle(section, local)])
    holiday = closed.get(local.date())
    if holiday:
        # The circle stays where the facilitator put it; only the posts keep off the day.
        blocks.append(
            Context(text=f"That day is {holiday}: I post nothing then. Move it if you won't meet.")
        )
    hint = f"{more} ({rollout_id}). Type `rollout preview` to see what I'll post."
    blocks.append(Context(text=hint))
    return Reply(summary=words, blocks=tuple(blocks))


def _schedule_form(turn: Turn, typed: list[str], zone: str | None) -> Reply:
    """The schedule form, started on what was typed and the team's zone."""
    incoming = turn.incoming
    section = chosen_section(typed[0]) if typed else None
    day = typed[1] if len(typed) > 1 and _is_date(typed[1]) else None
    form = schedule_form(
        turn.pack,
        zone=zone,
        section=section if section is not None and turn.pack.section(section) else None,
        day=day,
        # Private replies shown in another place (Teams' personal chat) send the form from there.
        ask_channel=incoming.private_place or incoming.private_prefix is not None,
        channel=None if incoming.private_place else incoming.place.address,
    )
    words = "Which section, and when is its circle?"
    button = Button(label="Schedule a section", command="schedule", primary=True, form=form)
    return Reply(
        summary=words,
        blocks=(Text(text=words), Buttons(buttons=(button,)), Context(text=USAGE)),
    )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


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
    if args and args[0] == "reopen":
        return await reopen(turn, list(args[1:]))
    if args and args[0] == "keep":
        return Reply.saying(UNCHANGED)
    named = args[-1] if len(args) > 1 and ROLLOUT_ID.fullmatch(args[-1]) else None
    if named is not None:
        # A button names its rollout: it may be pressed elsewhere (Teams shows private replies
        # in the person's personal chat), and pressed late it must not act on a newer one.
        found = await services.rollouts.store.get(tenant, named)
        if found is None or found.status not in ("active", "paused"):
            return Reply.saying(f"That rollout has ended, so {UNCHANGED.lower()}")
    else:
        found = await services.rollouts.store.for_place(tenant, turn.incoming.place.address)
    if found is None:
        return Reply.saying("There's no rollout in this channel yet.", USAGE)
    verb = args[0] if args else "preview"
    rest = list(args[1:-1] if named else args[1:])
    try:
        return await _change(services, turn, found, verb, rest, confirmed=named is not None)
    except PlanError as error:
        return _refusal(error)


async def _change(
    services: Services,
    turn: Turn,
    found: RolloutRecord,
    verb: str,
    args: list[str],
    *,
    confirmed: bool,
) -> Reply:
    """One change to the rollout; `confirmed` when a button that names it was pressed."""
    store, tenant = services.rollouts.store, found.tenant_id
    if verb == "preview":
        page = number(args[0]) if args else 1
        rhythm = f"Prompts come {RHYTHM_WORDS[services.rollouts.rhythm(found)]}."
        return preview(await programme_of(services, found, turn.pack), page or 1, rhythm)
    if verb == "calendar":
        return await calendar(services, turn, found)
    if verb == "prompts":
        return await prompts(services, turn, found, args)
    if verb == "end":
        return await end(services, found, confirmed=confirmed)
    if verb in ("pause", "resume"):
        status = {"pause": "paused", "resume": "active"}[verb]
        await store.set_status(
            tenant, found.id, status, "by a facilitator" if verb == "pause" else None
        )
        return Reply.saying(f"The rollout is {status}.")
    numbers = [number(arg) for arg in args]
    chosen = numbers[0] if numbers else None
    if verb == "skip" and len(args) == 1 and chosen is not None:
        return await skip(services, turn, found, chosen, confirmed=confirmed)
    if verb == "unskip" and len(args) == 1 and chosen is not None:
        await services.rollouts.unskip(found, chosen, turn.pack)
        return Reply.saying(f"Section {chosen} is back on the plan, with its posts.")
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


def _asking(words: str, yes: Button) -> Reply:
    """A question before something that cannot simply be typed back: yes, or keep it."""
    return Reply(summary=words, blocks=(Text(text=words), Buttons(buttons=(yes, KEEP))))


def _done(words: str, undo: Button) -> Reply:
    return Reply(summary=words, blocks=(Text(text=words), Buttons(buttons=(undo,))))


async def end(services: Services, found: RolloutRecord, *, confirmed: bool) -> Reply:
    """End the channel's rollout once a facilitator has said yes; undo puts it back."""
    if not confirmed:
        words = (
            "End this channel's rollout? I'll stop every post still to come, and a new "
            "rollout would start from the beginning."
        )
        return _asking(words, Button(label="Yes, end it", command=f"rollout end {found.id}"))
    await services.rollouts.store.set_status(found.tenant_id, found.id, "ended")
    log.info("rollout ended", extra={"tenant": found.tenant_id, "job_id": found.id})
    undo = Button(label="Undo", command=f"rollout reopen {found.id} {found.status}")
    return _done("The rollout has ended; nothing more will be posted.", undo)


async def reopen(turn: Turn, args: list[str]) -> Reply:
    """Undo `rollout end`: the channel's rollout carries on as it was."""
    services, tenant = turn.services, turn.team.tenant_id
    rollout_id, status = [*args, "", ""][:2]
    found = await services.rollouts.store.get(tenant, rollout_id) if rollout_id else None
    if found is None:
        return Reply.saying("Press “Undo” under the ended rollout's message to bring it back.")
    if found.status != "ended":
        return Reply.saying(f"The rollout is {found.status} already; {UNCHANGED.lower()}")
    if await services.rollouts.store.for_place(tenant, found.address) is not None:
        return Reply.saying("This channel has a newer rollout now, so I left the ended one.")
    status = status if status in ("active", "paused") else "active"
    await services.rollouts.store.reopen(tenant, found.id, status, services.clock.now())
    log.info("rollout reopened", extra={"tenant": tenant, "job_id": found.id})
    return Reply.saying(
        f"The rollout is {status} again, with the posts still to come.",
        "Type `rollout preview` to see them.",
    )


async def skip(
    services: Services, turn: Turn, found: RolloutRecord, section: int, *, confirmed: bool
) -> Reply:
    """Skip a section once a facilitator has said yes; undo takes it back on."""
    if not any(circle.section == section for circle in found.circles):
        raise PlanError([f"This rollout has no circle for section {section}."])
    if not confirmed:
        shown = await programme_of(services, found, turn.pack)
        line = next((s for s in shown.sections if s.number == section), None)
        coming = sum(1 for post in line.posts if post.state == "planned") if line else 0
        when = f" on {line.circle}" if line and line.circle else ""
        words = (
            f"Skip section {section}? Its circle{when} stays on record; its {coming} posts "
            "still to come are taken off the plan."
        )
        yes = f"rollout skip {section} {found.id}"
        return _asking(words, Button(label=f"Yes, skip section {section}", command=yes))
    await services.rollouts.skip(found, section, turn.pack)
    undo = Button(label="Undo", command=f"rollout unskip {section} {found.id}")
    return _done(f"Section {section} is skipped; its posts are off the plan.", undo)


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


COMMANDS = (
    CommandSpec(
        name="schedule",
        handle=schedule,
        allowed=FACILITATORS,
        usage=(
            Usage(
                "schedule",
                "plan a section's circle in this channel: I ask which section and when (or type "
                "`schedule 2 2027-03-16 09:00 Europe/London`)",
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
                "every post this channel's rollout will make, a page at a time; `rollout "
                "pause`, `resume`, `skip 3`, `move 3 DATE TIME`, `done 3 2`, `calendar` or `end` "
                "change it (skip and end ask first)",
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
