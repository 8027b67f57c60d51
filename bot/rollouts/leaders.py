"""Leaders after each circle: a private note to each, and a follow-up they post now or later.

The planned `leader-note` post spreads into one ledger row per leader (`leader-dm`), keyed by the
leader, so a platform failure for one leader is retried for that leader alone. A follow-up a
leader schedules is a ledger row of its own (`follow-up`) that the scheduler posts once, at the
chosen time; posting now goes through the ordinary follow-up path. A scheduled follow-up that
could not be posted on time is never posted late: whoever scheduled it is told privately, with
their words and a button to post them now.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.features import followups
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Markdown,
    Person,
    Reply,
    Target,
    Text,
)
from bot.ports import ChatPort
from bot.release import Published, status_line
from bot.rollouts.kinds import Due, Kind
from bot.rollouts.plan import PlanError, local_time, to_utc, zone_of
from bot.storage.rollouts import RolloutRecord, Spawned, utc
from bot.storage.team_settings import TeamSettings
from content.models import Pack, Section

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# A follow-up button names the rollout it belongs to, so the form reaches the right channel
# from a direct message: `follow-up rollout:<id> <section>`.
ROLLOUT_REF = "rollout:"
# Without a time, a scheduled follow-up goes out at the start of the team's working day.
DEFAULT_TIME = time(9, 0)
SCHEDULE_HORIZON = timedelta(days=180)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


async def leaders_of(services: Services, tenant: str) -> list[str]:
    """Everyone who leads in the tenant: stored roles and configuration."""
    return await services.holders(tenant, "leader")


async def spread(services: Services, rollout: RolloutRecord, due: Due) -> None:
    """Turn the planned note into one ledger row per leader, sent (and retried) on its own."""
    now = services.clock.now()
    added = 0
    for leader in await leaders_of(services, rollout.tenant_id):
        row = Spawned(
            key=f"{due.key}:{_digest(leader)}",
            kind=Kind.LEADER_DM,
            section=due.section,
            local_date=due.local_date,
            due_at=now,
            body={"leader": leader},
        )
        added += await services.rollouts.store.spawn(
            rollout.tenant_id, rollout.id, due.address, row
        )
    log.info(
        "leader notes planned",
        extra={"tenant": rollout.tenant_id, "job_id": rollout.id, "status": str(added)},
    )


def checkin_line(published: Published | None) -> str:
    """The cohort's latest check-in as everyone may see it: its released figures only."""
    if published is None:
        return "No check-in has been taken in the team channel yet."
    return f"This week's check-in: {status_line(published)}"


def draft(section: Section) -> str:
    """A follow-up for the leader to make their own, drawn from the section."""
    parts = [f"Thank you all for our circle on {section.title}."]
    if section.summary:
        parts.append(section.summary)
    parts += [
        "What I heard from you: [one thing that stood out]",
        "What I will do next: [one step I am taking, and when]",
    ]
    if section.wellness_practice is not None:
        parts.append(
            f"This week, let's try the practice together: {section.wellness_practice.title}."
        )
    return "\n\n".join(parts)[: followups.MAX_FOLLOW_UP]


def follow_up_form(rollout: RolloutRecord, text: str) -> Form:
    """The words to edit, and when to post them (both empty: now)."""
    return Form(
        title="Follow up with your team",
        submit_label="Preview",
        fields=(
            FormField(
                name="text",
                label="Your follow-up (make it yours)",
                kind="long_text",
                initial=text,
                max_length=followups.MAX_FOLLOW_UP,
            ),
            FormField(
                name="date", label="Post on (leave empty to post now)", kind="date", optional=True
            ),
            FormField(name="time", label=f"At ({rollout.timezone})", kind="time", optional=True),
        ),
    )


def follow_up_button(rollout: RolloutRecord, section: int, label: str, text: str) -> Buttons:
    """A button that posts `text` (once edited) to the rollout's channel now, or schedules it."""
    return Buttons(
        buttons=(
            Button(
                label=label,
                command=f"follow-up {ROLLOUT_REF}{rollout.id} {section}",
                primary=True,
                form=follow_up_form(rollout, text),
                typed="follow-up",
            ),
        )
    )


def note(pack: Pack, rollout: RolloutRecord, number: int, published: Published | None) -> Reply:
    """One leader's note: the considerations, the check-in, and a follow-up to post."""
    section = pack.section(number) or pack.sections[0]
    blocks: list[Heading | Text | Bullets | Buttons | Context] = [
        Heading(text=f"For leaders · Section {section.number}: {section.title}"[:150])
    ]
    if section.leadership_considerations:
        blocks.append(Bullets(items=tuple(section.leadership_considerations)))
    blocks += [
        Text(text=checkin_line(published)),
        Text(
            text="Your team met for this section's circle. A short follow-up from you in the "
            "channel this week (what you heard, what you will do) shows the work matters."
        ),
        follow_up_button(rollout, section.number, "Draft a follow-up", draft(section)),
        Context(text="Only you received this note. Nobody sees an individual's check-in."),
    ]
    return Reply(summary=f"For leaders: Section {section.number}", blocks=tuple(blocks))


async def send_note(
    services: Services,
    port: ChatPort,
    rollout: RolloutRecord,
    due: Due,
    pack: Pack,
    team: TeamSettings,
) -> str:
    """Send one leader their note; returns the message id."""
    leader = json.loads(due.body or "{}")["leader"]
    poll = await services.polls.current(rollout.tenant_id, rollout.address)
    published = (
        await services.polls.published(rollout.tenant_id, poll.id, services.policy(team))
        if poll
        else None
    )
    reply = note(pack, rollout, due.section, published)
    ref = await port.send_private(Person(tenant=rollout.tenant_id, user_id=leader), reply)
    return ref.message_id


async def post_scheduled(port: ChatPort, rollout: RolloutRecord, due: Due) -> str:
    """Post a follow-up a leader scheduled; returns the message id."""
    body = json.loads(due.body or "{}")
    reply = followups.follow_up_reply(body["text"], body.get("author"))
    target = Target(tenant=rollout.tenant_id, address=rollout.address)
    return (await port.send(target, reply)).message_id


def missed_notice(rollout: RolloutRecord, section: int, local: datetime, text: str) -> Reply:
    """Telling whoever scheduled a follow-up that it was not posted, with their words to post."""
    words = (
        f"I'm sorry: your follow-up planned for {at(local, rollout.timezone)} could not be "
        f"posted in {rollout.address} on time (the bot was offline or the programme was paused), "
        "so I did not post it late. Here is what you wrote:"
    )
    return Reply(
        summary="Your follow-up was not posted",
        blocks=(
            Text(text=words),
            Markdown(text=text),
            follow_up_button(rollout, section, "Post it now", text),
            Context(
                text="Post it as it is, edit it first, or choose a new time. "
                "Only you received this message."
            ),
        ),
    )


async def tell_missed(
    port: ChatPort, rollout: RolloutRecord, section: int, due_at: datetime, body: str | None
) -> bool:
    """Tell the person who scheduled a missed follow-up; False when nobody could be told."""
    context = {"tenant": rollout.tenant_id, "job_id": rollout.id}
    try:
        fields = json.loads(body or "{}")
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        log.warning("missed follow-up has an unreadable body", extra=context)
        return False
    by, text = fields.get("by"), fields.get("text")
    if not isinstance(by, str) or not isinstance(text, str) or not by or not text.strip():
        # Scheduled before its author's id was stored: the facilitators' count is all there is.
        return False
    try:
        local = utc(due_at).astimezone(zone_of(rollout.timezone)).replace(tzinfo=None)
        reply = missed_notice(rollout, section, local, text[: followups.MAX_FOLLOW_UP])
        await port.send_private(Person(tenant=rollout.tenant_id, user_id=by), reply)
    except Exception as error:
        # The facilitators have their count; one unreachable person must not stop the sender.
        log.warning(
            "could not tell a leader their follow-up was missed",
            extra={**context, "status": type(error).__name__},
        )
        return False
    log.info("missed follow-up reported to whoever scheduled it", extra=context)
    return True


async def schedule_follow_up(
    services: Services,
    rollout: RolloutRecord,
    person: Person,
    section: int,
    local: datetime,
    text: str,
) -> bool:
    """Keep a leader's follow-up as a ledger row posted once at `local`; False if it was kept."""
    due_at = to_utc(local, zone_of(rollout.timezone))
    row = Spawned(
        key=f"{rollout.id}:{Kind.FOLLOW_UP}:{section}:{local.date().isoformat()}:"
        + _digest(person.user_id, due_at.isoformat(), text),
        kind=Kind.FOLLOW_UP,
        section=section,
        local_date=local.date(),
        due_at=due_at,
        # `by`: whom to tell if the post is missed.
        body={"text": text, "author": person.display_name or person.user_id, "by": person.user_id},
    )
    tenant = rollout.tenant_id
    new = await services.rollouts.store.spawn(tenant, rollout.id, rollout.address, row)
    log.info("follow-up scheduled", extra={"tenant": tenant, "job_id": rollout.id})
    return new


def at(local: datetime, zone_name: str) -> str:
    """A local time as people read it: `Friday 26 March at 16:30 (Europe/London)`."""
    return f"{local:%A %d %B} at {local:%H:%M} ({zone_name})"


def when(day: str, clock: str, zone_name: str, now: datetime) -> datetime:
    """The local time to post at: a date (at the start of the day) and/or a time (next one)."""
    zone = zone_of(zone_name)
    today = now.astimezone(zone)
    at = local_time(clock) if clock else DEFAULT_TIME
    if day:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            raise PlanError([f"{day!r} is not a date like 2027-03-30."]) from None
    else:
        chosen = today.date()
        if datetime.combine(chosen, at) <= today.replace(tzinfo=None):
            chosen += timedelta(days=1)
    local = datetime.combine(chosen, at)
    due = to_utc(local, zone)
    if due <= now:
        raise PlanError(["That time has already passed: choose a later one, or leave both empty."])
    if due - now > SCHEDULE_HORIZON:
        raise PlanError(["I can schedule a follow-up up to six months ahead."])
    return local
