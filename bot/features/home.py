"""A person's home view (Slack's App Home, a Teams personal card) and the welcome message."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands import Usage
from bot.features.help import help_reply
from bot.features.scheduling import schedule_form
from bot.messages import (
    Block,
    Bullets,
    Button,
    Buttons,
    Context,
    Divider,
    Form,
    FormField,
    Heading,
    Reply,
    Text,
)
from bot.release import Published, status_line
from bot.storage.polls import PollRecord
from content.models import Pack


def follow_up_form() -> Form:
    """What a leader fills in to post a follow-up to a team channel."""
    return Form(
        title="Post a follow-up",
        # What comes back is a preview: nothing reaches the channel until "Post it".
        submit_label="Preview",
        fields=(
            FormField(name="channel", label="Team channel", kind="channel"),
            FormField(name="text", label="Your message", kind="long_text", max_length=2900),
            FormField(
                name="as",
                label="Post as",
                kind="select",
                options=("me", "the bot"),
                initial="me",
            ),
        ),
    )


def _everyone(pack: Pack, section_number: int) -> list[Block]:
    section = pack.section(section_number) or pack.sections[0]
    blocks: list[Block] = [
        Heading(text=f"Now: Section {section.number}, {section.title}"[:150]),
    ]
    if section.summary:
        blocks.append(Text(text=section.summary))
    practice = next(
        (
            s.wellness_practice
            for s in reversed(pack.sections)
            if s.number <= section.number and s.wellness_practice
        ),
        None,
    )
    if practice is not None:
        blocks.append(Text(text=f"*This week's practice* ({practice.sector}): {practice.title}"))
    blocks.append(Text(text="*The six Compassionate Action Steps*"))
    blocks.append(Bullets(items=tuple(f"{s.name}: {s.line}" for s in pack.steps), numbered=True))
    blocks.append(
        Buttons(
            buttons=(
                Button(label="Today's prompt", command="prompt"),
                Button(label="This week's practice", command="practice"),
                Button(label="Walk through a scenario", command="scenario"),
                Button(label="My reflections", command="reflections"),
            )
        )
    )
    return blocks


def _facilitator(
    pack: Pack, polls: list[tuple[PollRecord, Published]], zone: str | None
) -> list[Block]:
    blocks: list[Block] = [Divider(), Heading(text="For facilitators: check-ins")]
    if polls:
        blocks.append(
            Bullets(
                items=tuple(
                    f"{poll.opened_at:%Y-%m-%d} in {poll.place}, section {poll.section}: "
                    f"{status_line(published)}"
                    for poll, published in polls
                )
            )
        )
    else:
        blocks.append(Text(text="No check-ins yet."))
    blocks.append(
        Context(text="Figures change only in batches of the group size, with a little noise.")
    )
    blocks.append(
        Buttons(
            buttons=(
                Button(
                    label="Schedule a section",
                    command="schedule",
                    primary=True,
                    form=schedule_form(pack, zone=zone),
                ),
            )
        )
    )
    return blocks


def _leader(pack: Pack, section_number: int) -> list[Block]:
    section = pack.section(section_number) or pack.sections[0]
    blocks: list[Block] = [
        Divider(),
        Heading(text=f"For leaders: Section {section.number} considerations"[:150]),
    ]
    if section.leadership_considerations:
        blocks.append(Bullets(items=tuple(section.leadership_considerations)))
    else:
        blocks.append(Text(text="This section has no leadership considerations yet."))
    blocks.append(
        Buttons(
            buttons=(
                Button(
                    label="Post a follow-up",
                    command="follow-up",
                    primary=True,
                    form=follow_up_form(),
                ),
            )
        )
    )
    return blocks


def _console() -> list[Block]:
    return [
        Divider(),
        Heading(text="The console"),
        Text(
            text=(
                "The programme on one page, in your browser: every circle and post, changes "
                "with an undo, how it is going and the team's settings. Type `console` for "
                "your own sign-in link, or press the button."
            )
        ),
        Buttons(buttons=(Button(label="Open the console", command="console"),)),
    ]


def home(
    pack: Pack,
    section_number: int,
    roles: frozenset[str],
    polls: list[tuple[PollRecord, Published]],
    *,
    console: bool = False,
    zone: str | None = None,
) -> Reply:
    """The home view for one person: what everyone sees, plus their role's part; `console`:
    whether the installation serves the console, which facilitators and leaders are shown;
    `zone`: the team's, where the facilitators' schedule form starts."""
    blocks = _everyone(pack, section_number)
    if "facilitator" in roles:
        blocks += _facilitator(pack, polls, zone)
    if "leader" in roles:
        blocks += _leader(pack, section_number)
    if console and roles & {"facilitator", "leader"}:
        blocks += _console()
    blocks.append(
        Context(text="Check-in answers are private: only figures about the whole group are shown.")
    )
    return Reply(summary="Compassion resilience, between circles", blocks=tuple(blocks))


def welcome(pack: Pack, lines: Sequence[Usage], prefix: str) -> Reply:
    """The message when the bot joins a channel or a person joins a program channel."""
    helped = help_reply(lines, prefix, pack.info.title)
    intro = Text(
        text=(
            "This channel is part of a compassion resilience program. Between circles I'll share "
            "the section's practice, a daily prompt and a weekly check-in."
        )
    )
    return Reply(
        summary="Welcome to your compassion resilience circle",
        blocks=(Heading(text="Welcome!"), intro, *helped.blocks[1:]),
        private=False,
    )
