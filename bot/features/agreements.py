"""Section 7's culture agreements: proposed by anyone, starred (only counted), agreed by a
facilitator, pinned in the channel, and brought back in prompts and in sustainment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Reply,
    Text,
)
from bot.storage.agreements import Agreement

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# An agreement is one line people can remember; the toolkit keeps a list to four to six.
MAX_AGREEMENT = 200
MAX_STAR_BUTTONS = 10
HEADING = "Our culture agreements"


def propose_form() -> Form:
    """What the "Propose one" button asks."""
    text = FormField(
        name="text", label="What should we agree to?", kind="text", max_length=MAX_AGREEMENT
    )
    return Form(title="Propose an agreement", submit_label="Propose", fields=(text,))


def agreed_list(agreed: Sequence[str]) -> Reply:
    """The agreed list, for the channel, pinned where the platform lets bots pin."""
    return Reply(
        summary=HEADING,
        private=False,
        pin=True,
        blocks=(
            Heading(text=HEADING),
            Bullets(items=tuple(agreed), numbered=True),
            Context(text="Agreed together in our circle. Type `agreements` to see them again."),
        ),
    )


def overview(items: list[Agreement], roles: frozenset[str]) -> Reply:
    """The agreed list and the live proposals with their star counts, privately."""
    agreed = [a.text for a in items if a.status == "agreed"]
    proposed = sorted(
        (a for a in items if a.status == "proposed"), key=lambda a: (-a.stars, a.number)
    )
    blocks: list[Heading | Text | Bullets | Buttons | Context] = [Heading(text=HEADING)]
    if agreed:
        blocks.append(Bullets(items=tuple(agreed), numbered=True))
    else:
        blocks.append(Text(text="Nothing agreed yet."))
    if proposed:
        lines = tuple(f"#{a.number} {a.text} · ★ {a.stars}" for a in proposed)
        blocks += [Text(text="*Proposed*"), Bullets(items=lines)]
    buttons = [
        Button(label="Propose one", command="agreements propose", form=propose_form()),
        *(
            Button(label=f"★ #{a.number}", command=f"agreements star {a.number}")
            for a in proposed[:MAX_STAR_BUTTONS]
        ),
    ]
    if "facilitator" in roles:
        buttons += [
            Button(label=f"Agree #{a.number}", command=f"agreements agree {a.number}")
            for a in proposed[:MAX_STAR_BUTTONS]
        ]
        if agreed:
            buttons.append(Button(label="Post and pin the list", command="agreements post"))
    blocks.append(Buttons(buttons=tuple(buttons)))
    blocks.append(
        Context(
            text="Proposals and stars are anonymous: only counts are shown. "
            "A facilitator records what the circle agrees."
        )
    )
    return Reply(summary=HEADING, blocks=tuple(blocks))


def proposal_post(agreement: Agreement) -> Reply:
    """A new proposal, for the channel, with a star to prioritise it."""
    return Reply(
        summary="A proposed culture agreement",
        private=False,
        blocks=(
            Heading(text="A proposed culture agreement"),
            Text(text=f"“{agreement.text}”"),
            Buttons(
                buttons=(Button(label="★ Star it", command=f"agreements star {agreement.number}"),)
            ),
            Context(
                text="Proposed anonymously. Star the ones that matter most to you (only counts "
                "are shown); a facilitator records what the circle agrees."
            ),
        ),
    )


def one_for(agreed: Sequence[str], day: date) -> str | None:
    """The agreement to bring back on `day`: each in turn, the same for the whole team."""
    return agreed[day.toordinal() % len(agreed)] if agreed else None


async def with_agreement(
    services: Services, tenant: str, place: str, prompt: Reply, day: date
) -> Reply:
    """A daily prompt with one of the cohort's agreements under it, once there are any."""
    chosen = one_for(await services.agreements.agreed(tenant, place), day)
    if chosen is None:
        return prompt
    note = Context(text=f"One of our agreements: “{chosen}”")
    return prompt.model_copy(update={"blocks": (*prompt.blocks, note)})
