"""`section` (what the team is on, or moving it on), `practice` and `prompt`."""

from __future__ import annotations

from bot.commands import number
from bot.features import sections
from bot.features.kept import KeptReplies
from bot.messages import Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage, with_arguments
from bot.rollouts import rotation
from bot.rollouts.plan import zone_of
from bot.turn import Turn
from content.models import Section


async def section(turn: Turn) -> Reply:
    """`section` shows the team's section; a facilitator's `section 2` moves the team on."""
    args, pack = turn.command.args, turn.pack
    if not args:
        return sections.overview(pack, turn.team.current_section)
    chosen = number(args[0])
    if chosen is None or pack.section(chosen) is None:
        return Reply.saying(f"Sections are numbered 1 to {len(pack.sections)}.")
    await turn.services.team_settings.set_current_section(turn.tenant, chosen)
    reply = sections.overview(pack, chosen)
    words = f"The team is now on Section {chosen}."
    return reply.model_copy(update={"summary": words, "blocks": (Text(text=words), *reply.blocks)})


# A practice per pack and section; a prompt per pack and the words that make it.
_practices = KeptReplies(256)
_prompts = KeptReplies(1024)


async def practice(turn: Turn) -> Reply:
    """This section's wellness practice."""
    pack, current = turn.pack, turn.team.current_section
    return _practices.get((id(turn.loaded), current), lambda: sections.practice(pack, current))


def _prompt(turn: Turn, section: Section, text: str, heading: str = "", when: str = "") -> Reply:
    """A prompt as `sections.prompt` words it, built once per pack and words."""
    key = (id(turn.loaded), section.number, text, heading, when)
    words = {"heading": heading} if heading else {}
    return _prompts.get(key, lambda: sections.prompt(section, text, when=when, **words))


async def prompt(turn: Turn) -> Reply:
    """Today's prompt for the team: what was posted today, or what will be, or the latest."""
    services, pack = turn.services, turn.pack
    source = rotation.source(pack, turn.team.current_section)
    if not source.daily_prompts:
        return Reply.saying(sections.NO_PROMPTS)
    places = services.rollouts.places
    rollout = await places.serving(turn.tenant, turn.incoming.place.address)
    if rollout is None:
        # Nothing is posted without a rollout, so the prompt of the day turns with the date.
        today = services.clock.now().date()
        texts = source.daily_prompts
        return _prompt(turn, source, texts[today.toordinal() % len(texts)])
    today = services.clock.now().astimezone(zone_of(rollout.timezone)).date()
    row = await places.today(rollout.id, today)
    if row is not None and row.status in (*rotation.REACHED, "planned"):
        # Posted today, or to be: the prompt its row records (chosen when it was planned).
        chosen = rotation.find(pack, row.prompt, row.section)
        if chosen is not None:
            return _prompt(turn, *chosen)
    history = rotation.PromptHistoryStore(services.rollouts.store.sessions)
    sent = await history.sent(rollout.tenant_id, rollout.address)
    if row is not None and row.status == "planned":
        # Planned before prompts were chosen ahead, or the pack changed since: as it will be.
        return _prompt(turn, *rotation.pick(pack, row.section, sent, today))
    latest = rotation.find(pack, sent[-1].prompt) if sent else None
    if latest is not None:
        when = f"posted {sent[-1].day.strftime('%A %d %B')}"
        return _prompt(turn, *latest, heading="The latest prompt", when=when)
    return _prompt(turn, *rotation.pick(pack, turn.team.current_section, sent, today))


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
