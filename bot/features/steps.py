"""The six Compassionate Action Steps and the empathy-to-action tips."""

from __future__ import annotations

from bot import commands
from bot.errors import CrbotError, ErrorCode
from bot.messages import Bullets, Button, Buttons, Context, Divider, Heading, Reply, Text
from content.models import ActionStep, Pack


def credit_line(pack: Pack) -> Context:
    """The pack's first credit, shown under the steps."""
    return Context(text=pack.info.credits[0].text)


def all_steps(pack: Pack) -> Reply:
    """The six steps, one line each, with buttons to open any of them."""
    lines = tuple(f"*{step.name}*: {step.line}" for step in pack.steps)
    buttons = tuple(
        Button(label=f"{step.number}. {step.name}"[:75], command=f"compassion-steps {step.number}")
        for step in pack.steps
    )
    return Reply(
        summary="The six Compassionate Action Steps",
        blocks=(
            Heading(text="The six Compassionate Action Steps"),
            Bullets(items=lines, numbered=True),
            Buttons(buttons=buttons[:3]),
            Buttons(buttons=buttons[3:]),
            Context(text="Type `compassion-steps tips` for phrases that help with step 5."),
            credit_line(pack),
        ),
        shareable=True,
    )


def find_step(pack: Pack, words: tuple[str, ...]) -> ActionStep:
    """The step named by a number, a key or a word of its name."""
    query = " ".join(words).strip().lower().rstrip(".")
    wanted = commands.number(query)
    if wanted is not None:
        for step in pack.steps:
            if step.number == wanted:
                return step
        raise CrbotError(ErrorCode.UNKNOWN_STEP, query)
    exact = [s for s in pack.steps if query in (s.key, s.name.lower())]
    if exact:
        return exact[0]
    partial = [s for s in pack.steps if query and query in f"{s.key} {s.name.lower()}"]
    if len(partial) == 1:
        return partial[0]
    raise CrbotError(ErrorCode.UNKNOWN_STEP, query)


def one_step(pack: Pack, step: ActionStep) -> Reply:
    """One step in full, with its questions and a way to the next."""
    buttons = []
    if step.number > 1:
        buttons.append(Button(label="Previous step", command=f"compassion-steps {step.number - 1}"))
    if step.number < 6:
        buttons.append(
            Button(label="Next step", command=f"compassion-steps {step.number + 1}", primary=True)
        )
    return Reply(
        summary=f"Step {step.number}: {step.name}",
        blocks=(
            Heading(text=f"Step {step.number}: {step.name}"),
            Text(text=f"_{step.line}_"),
            Text(text=step.text),
            Text(text="*Questions to sit with*"),
            Bullets(items=tuple(step.questions)),
            Buttons(buttons=tuple(buttons)),
            credit_line(pack),
        ),
        shareable=True,
    )


def tips(pack: Pack) -> Reply:
    """Phrases for moving from empathy to discerning the best action together."""
    blocks: list[Heading | Text | Bullets | Divider | Context] = [
        Heading(text="From empathy to discerning best action"),
        Text(text="Phrases that keep the other person in charge of what would help:"),
    ]
    for number, tip in enumerate(pack.tips, start=1):
        blocks.append(Text(text=f"*{number}. {tip.title}*"))
        blocks.append(Bullets(items=tuple(tip.phrases)))
    blocks.append(credit_line(pack))
    return Reply(
        summary="From empathy to discerning best action", blocks=tuple(blocks), shareable=True
    )
