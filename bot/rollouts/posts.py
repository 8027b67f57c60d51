"""What each planned post says, built from the content pack, and sending it through a port.

The scheduler decides when and guards against doing it twice; this module decides what.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from cachetools import LRUCache

from bot.features import sections, surveys
from bot.features.agreements import with_agreement
from bot.features.checkins import Checkins
from bot.messages import Bullets, Context, Heading, Image, MessageRef, Person, Reply, Target, Text
from bot.ports import ChatPort
from bot.rollouts import leaders, reminders, rotation
from bot.rollouts.kinds import DETAILS as DETAILS
from bot.rollouts.kinds import REPEATABLE as REPEATABLE
from bot.rollouts.kinds import Due as Due
from bot.rollouts.kinds import Kind
from bot.storage.rollouts import RolloutRecord
from bot.storage.team_settings import TeamSettings
from content.models import Pack, Section

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# Checklist items the bot does itself, found by a word in the component's text; an item is done
# once a post of that kind for the section is in the ledger as sent.
TICKED_BY = {
    "intro": ("introduction",),
    "visual": ("visual",),
    "prompt": ("connection", "prompt"),
    "survey": ("survey",),
}
_REPLIES: LRUCache[tuple[str, str, str, int, str], Reply] = LRUCache(maxsize=512)
SURVEY_WORDS = {
    "pre": "Before we begin, please take a few minutes for the pre-programme survey your "
    "facilitators shared. It helps us shape the circles around what you need.",
    "mid": "We're halfway through. Please take a few minutes for the mid-programme survey your "
    "facilitators shared: what is working, and what could change?",
    "post": "Thank you for every circle. Please take a few minutes for the post-programme survey "
    "your facilitators shared, so the next cohort benefits from what you learned.",
}


def _section(pack: Pack, number: int) -> Section:
    return pack.section(number) or pack.sections[0]


def intro(pack: Pack, number: int) -> Reply:
    """The section introduction, ahead of its circle."""
    section = _section(pack, number)
    words = section.introduction or section.summary or section.title
    return Reply(
        summary=f"Coming up: Section {section.number}, {section.title}"[:150],
        private=False,
        blocks=(
            Heading(text=f"Coming up: Section {section.number}: {section.title}"[:150]),
            Text(text=words),
            Context(text="Read it before our circle; type `section` to see it again."),
        ),
    )


def visual(pack: Pack, number: int) -> Reply:
    """The section's visual reminder, after its circle."""
    section = _section(pack, number)
    blocks: list[Heading | Text | Image | Context] = [
        Heading(text=f"Section {section.number}: {section.title}"[:150])
    ]
    if section.visual is not None:
        if section.visual.image:
            blocks.append(
                Image(
                    path=f"{pack.info.key}/visuals/{section.visual.image}",
                    title=section.visual.title,
                    alt_text=section.visual.alt_text,
                )
            )
        blocks.append(Text(text=section.visual.caption))
    blocks.append(Context(text="A reminder of our last circle, to keep in view this month."))
    # Kept in view all month: pinned where the platform lets bots pin (adapters decide how).
    return Reply(
        summary=f"Visual reminder: {section.title}"[:150],
        private=False,
        pin=True,
        blocks=tuple(blocks),
    )


def survey(detail: str) -> Reply:
    """A pre, mid or post programme survey reminder, for packs without survey questions."""
    words = SURVEY_WORDS.get(detail, SURVEY_WORDS["mid"])
    return Reply(summary="A short survey", private=False, blocks=(Text(text=words),))


def agreements(agreed: Sequence[str] = ()) -> Reply:
    """The sustainment reminder of the team's culture agreements (Section 7), listing them."""
    words = (
        "A monthly moment for our culture agreements: which one have we kept well, and which "
        "one needs our attention this month?"
    )
    listed: tuple[Bullets | Context, ...] = (
        (Bullets(items=tuple(agreed), numbered=True),)
        if agreed
        else (Context(text="None recorded yet: propose one with `agreements propose ...`."),)
    )
    return Reply(
        summary="Our culture agreements",
        private=False,
        blocks=(Heading(text="Our culture agreements"), Text(text=words), *listed),
    )


def checklist(pack: Pack, number: int, done: dict[int, str], circle: str) -> Reply:
    """A facilitator's checklist for a section, with what is still open."""
    section = _section(pack, number)
    items = tuple(
        ("✓ " if index in done else "☐ ") + f"{index + 1}. {component}"
        for index, component in enumerate(section.components)
    )
    still = len(section.components) - len(done)
    words = f"Circle for Section {section.number} on {circle}: {still} item(s) still open."
    return Reply(
        summary=words,
        blocks=(
            Heading(text=f"Checklist · Section {section.number}: {section.title}"[:150]),
            Text(text=words),
            Bullets(items=items or ("Nothing listed for this section.",)),
            Context(text=f"Mark one done with `rollout done {section.number} ITEM`."),
        ),
    )


def facilitator_notice(rollout: RolloutRecord, words: str) -> Reply:
    """A private note to facilitators about their rollout."""
    return Reply(
        summary="About your rollout",
        blocks=(Text(text=words), Context(text=f"Rollout {rollout.id} in {rollout.address}")),
    )


async def facilitators(services: Services, rollout: RolloutRecord) -> list[str]:
    """Who facilitates the rollout's team: stored roles, configuration, and its creator."""
    people = set(await services.holders(rollout.tenant_id, "facilitator"))
    if rollout.created_by:
        people.add(rollout.created_by)
    return sorted(people)


async def tell_facilitators(
    services: Services, port: ChatPort, rollout: RolloutRecord, words: str | Reply
) -> int:
    """Send every facilitator a private note (these words, or a reply); returns how many got it."""
    told = 0
    reply = words if isinstance(words, Reply) else facilitator_notice(rollout, words)
    for user in await facilitators(services, rollout):
        try:
            person = Person(tenant=rollout.tenant_id, user_id=user)
            await port.send_private(person, reply)
            told += 1
        except Exception:
            context = {"tenant": rollout.tenant_id, "job_id": rollout.id}
            log.warning("could not reach a facilitator", extra=context)
    return told


async def deliver(
    services: Services,
    port: ChatPort,
    rollout: RolloutRecord,
    due: Due,
    team: TeamSettings | None = None,
    *,
    has_agreements: bool | None = None,
) -> str | None:
    """Make one planned post; returns the message id (the first, for private notes).

    `has_agreements` says whether the channel has agreed culture agreements, when the caller
    already knows (a fan-out asks once for all its channels); None looks them up.
    """
    team = team or await services.team(rollout.tenant_id)
    post = Post(services, port, rollout, due, team, services.pack_of(team).pack, has_agreements)
    make = MAKERS.get(due.base_kind, _same_words)
    return await make(post)


@dataclass(frozen=True)
class Post:
    """One planned post being made: what it needs to know, for the maker of its kind."""

    services: Services
    port: ChatPort
    rollout: RolloutRecord
    due: Due
    team: TeamSettings
    pack: Pack
    has_agreements: bool | None

    @property
    def place(self) -> Target:
        """The cohort's channel."""
        return Target(tenant=self.rollout.tenant_id, address=self.rollout.address)


async def _checkin(post: Post) -> str | None:
    services = post.services
    section_team = replace(post.team, current_section=post.due.section)
    poll = await Checkins(services.polls, services.pseudonyms, services.clock).open(
        post.pack, section_team, services.policy(post.team), post.place, post.port
    )
    return poll.message_id


async def _leader_note(post: Post) -> str | None:
    await leaders.spread(post.services, post.rollout, post.due)
    return None


async def _leader_dm(post: Post) -> str | None:
    return await leaders.send_note(
        post.services, post.port, post.rollout, post.due, post.pack, post.team
    )


async def _follow_up(post: Post) -> str | None:
    return await leaders.post_scheduled(post.port, post.rollout, post.due)


async def _reminder(post: Post) -> str | None:
    await reminders.spread(post.services, post.rollout, post.due)
    return None


async def _reminder_dms(post: Post) -> str | None:
    # Nothing is kept of who was reminded, not even the platform's message ids.
    await reminders.send(post.services, post.port, post.rollout, post.due, post.pack, post.team)
    return None


async def _nudge_post(post: Post) -> str | None:
    return await _nudge(post.services, post.port, post.rollout, post.due, post.pack)


async def _survey(post: Post) -> str | None:
    # The pack's questions as polls, answerable in the post; a pack without surveys keeps the
    # reminder.
    rollout, detail = post.rollout, post.due.detail
    posted = await surveys.post(
        post.services, post.port, rollout.tenant_id, post.pack, rollout.address, detail
    )
    return posted or (await post.port.send(post.place, survey(detail))).message_id


async def _agreements(post: Post) -> str | None:
    agreed = await post.services.agreements.agreed(post.rollout.tenant_id, post.rollout.address)
    return (await post.port.send(post.place, agreements(agreed))).message_id


async def _prompt_post(post: Post) -> str | None:
    rollout = post.rollout
    reply = await _prompt(post.services, rollout, post.due, post.pack)
    if post.has_agreements is not False:
        reply = await with_agreement(
            post.services, rollout.tenant_id, rollout.address, reply, post.due.local_date
        )
    return (await post.port.send(post.place, reply)).message_id


async def _same_words(post: Post) -> str | None:
    # A fan-out posts the same words to every channel: build each reply once.
    due, pack = post.due, post.pack
    cache_key = (pack.info.key, due.base_kind, due.detail, due.section, due.local_date.isoformat())
    reply = _cached(cache_key, lambda: _public(due.base_kind, pack, due))
    return (await post.port.send(post.place, reply)).message_id


# What makes each kind of post; the pack's own words for a section (intro, visual, practice)
# are the same for every channel and built once.
MAKERS: dict[str, Callable[[Post], Awaitable[str | None]]] = {
    Kind.CHECKIN: _checkin,
    Kind.LEADER_NOTE: _leader_note,
    Kind.LEADER_DM: _leader_dm,
    Kind.FOLLOW_UP: _follow_up,
    Kind.REMINDER: _reminder,
    Kind.REMINDER_DMS: _reminder_dms,
    Kind.NUDGE: _nudge_post,
    Kind.SURVEY: _survey,
    Kind.AGREEMENTS: _agreements,
    Kind.PROMPT: _prompt_post,
    Kind.INTRO: _same_words,
    Kind.VISUAL: _same_words,
    Kind.PRACTICE: _same_words,
}


def _cached(key: tuple[str, str, str, int, str], build: Callable[[], Reply]) -> Reply:
    reply = _REPLIES.get(key)
    if reply is None:
        reply = _REPLIES[key] = build()
    return reply


async def _prompt(services: Services, rollout: RolloutRecord, due: Due, pack: Pack) -> Reply:
    """The team's next prompt in its rotation, recorded on the row before it is posted."""
    source = rotation.source(pack, due.section)
    if not source.daily_prompts:
        words = sections.NO_PROMPTS
        return Reply(summary=words, private=False, blocks=(Text(text=words),))
    # An earlier attempt at this row may have reached the channel: the same words again.
    again = rotation.find(pack, rotation.recorded(due.body), due.section)
    if again is not None:
        text = again[1]
    else:
        history = rotation.PromptHistoryStore(services.rollouts.store.sessions)
        sent = await history.sent(rollout.tenant_id, rollout.address, besides=due.key)
        source, text = rotation.pick(pack, due.section, sent, due.local_date)
        await history.record(due.key, text)
    # Keyed by the chosen prompt, never by the team: every team given these words shares it.
    key = (pack.info.key, Kind.PROMPT, rotation.prompt_id(text), source.number, "")
    return _cached(key, lambda: sections.prompt(source, text).model_copy(update={"private": False}))


def _public(kind: str, pack: Pack, due: Due) -> Reply:
    if kind == Kind.INTRO:
        return intro(pack, due.section)
    if kind == Kind.VISUAL:
        return visual(pack, due.section)
    if kind == Kind.PRACTICE:
        return sections.practice(pack, due.section).model_copy(update={"private": False})
    raise ValueError(f"unknown post kind {kind!r}")


async def _nudge(
    services: Services, port: ChatPort, rollout: RolloutRecord, due: Due, pack: Pack
) -> str | None:
    done = await checklist_done(services, rollout, pack, due.section)
    when = next((c.local for c in rollout.circles if c.section == due.section), None)
    circle = when.strftime("%A %d %B at %H:%M") if when else "its date"
    reply = checklist(pack, due.section, done, circle)
    first: str | None = None
    for user in await facilitators(services, rollout):
        ref = await port.send_private(Person(tenant=rollout.tenant_id, user_id=user), reply)
        first = first or ref.message_id
    return first


async def checklist_done(
    services: Services, rollout: RolloutRecord, pack: Pack, section: int
) -> dict[int, str]:
    """A section's done checklist items: marked by a facilitator, or done by the bot's posts."""
    done = await services.rollouts.store.ticked(rollout.tenant_id, rollout.id, section)
    sent = await services.rollouts.store.sent_kinds(rollout.tenant_id, rollout.id, section)
    words = [word for kind in sent for word in TICKED_BY.get(kind.split("-")[0], ())]
    for index, component in enumerate(_section(pack, section).components):
        if index not in done and any(word in component.lower() for word in words):
            done[index] = "bot"
    return done


# The ledger key of the post being sent, for ports that can make a send idempotent with it
# (message metadata, a client message id) and find it again after a crash.
delivery_key: ContextVar[str | None] = ContextVar("delivery_key", default=None)


class DeliveryLookup(Protocol):
    """A port that can tell whether a keyed post already reached the platform."""

    async def delivered(self, target: Target, key: str) -> MessageRef | None:
        """The message sent under `key` at `target`, if there is one."""
        ...
