"""The team's current section: its overview, wellness practice and daily prompt."""

from __future__ import annotations

from bot.messages import Bullets, Context, Heading, Image, Reply, Text
from content.models import Pack, Section, WellnessPractice


def practice(pack: Pack, current_section: int) -> Reply:
    """The current wellness practice with its reflection questions."""
    section = pack.nearest_with(current_section, "wellness_practice")
    found: WellnessPractice | None = section.wellness_practice
    if found is None:
        words = "There's no wellness practice in this content pack yet."
        return Reply.saying(words)
    title = f"Wellness practice · {found.sector.upper()}: {found.title}"
    return Reply(
        summary=title,
        blocks=(
            Heading(text=title[:150]),
            Text(text=found.text),
            Text(text="*To reflect on*"),
            Bullets(items=tuple(found.reflection_questions)),
            Context(text=f"From Section {section.number}: {section.title}"),
        ),
        shareable=True,
    )


NO_PROMPTS = "There are no daily prompts in this content pack yet."


def prompt(section: Section, text: str, heading: str = "Today's prompt", when: str = "") -> Reply:
    """A daily prompt of the section, as posted (`when` says when it was, if not today)."""
    where = f"Section {section.number}: {section.title}"
    return Reply(
        summary=heading,
        blocks=(
            Heading(text=heading),
            Text(text=text),
            Context(text=f"{where} · {when}" if when else where),
        ),
        shareable=True,
    )


def overview(pack: Pack, current_section: int) -> Reply:
    """What the team is working on: the section, its key activity and its visual."""
    section = pack.section(current_section) or pack.sections[0]
    blocks: list[Heading | Text | Image | Context] = [
        Heading(text=f"Section {section.number}: {section.title}"[:150])
    ]
    if section.summary:
        blocks.append(Text(text=section.summary))
    if section.key_activity:
        blocks.append(Text(text=f"*Key activity:* {section.key_activity.title}"))
    if section.visual and section.visual.image:
        blocks.append(
            Image(
                path=f"{pack.info.key}/visuals/{section.visual.image}",
                title=section.visual.title,
                alt_text=section.visual.alt_text,
            )
        )
    blocks.append(Context(text="Type `practice` for this section's wellness practice."))
    return Reply(summary=f"Section {section.number}: {section.title}", blocks=tuple(blocks))


def section_list(pack: Pack, current_section: int) -> Bullets:
    """All sections, the current one marked."""
    return Bullets(
        items=tuple(
            f"{s.number}. {s.title}" + ("  ← now" if s.number == current_section else "")
            for s in pack.sections
        )
    )
