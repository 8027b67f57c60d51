"""Section 7's culture agreements: proposed by anyone, starred (only counted), agreed by a
facilitator, pinned in the channel, and brought back in prompts and in sustainment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot import loop
from bot.commands import number
from bot.errors import CrbotError, ErrorCode
from bot.messages import (
    Bullets,
    Button,
    Buttons,
    Context,
    Form,
    FormField,
    Heading,
    Reply,
    Target,
    Text,
)
from bot.storage.agreements import Agreement

if TYPE_CHECKING:
    from bot.core import Core, Turn

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
    proposed = sorted((a for a in items if a.status == "proposed"), key=lambda a: (-a.stars, a.id))
    blocks: list[Heading | Text | Bullets | Buttons | Context] = [Heading(text=HEADING)]
    if agreed:
        blocks.append(Bullets(items=tuple(agreed), numbered=True))
    else:
        blocks.append(Text(text="Nothing agreed yet."))
    if proposed:
        lines = tuple(f"#{a.id} {a.text} · ★ {a.stars}" for a in proposed)
        blocks += [Text(text="*Proposed*"), Bullets(items=lines)]
    buttons = [
        Button(label="Propose one", command="agreements propose", form=propose_form()),
        *(
            Button(label=f"★ #{a.id}", command=f"agreements star {a.id}")
            for a in proposed[:MAX_STAR_BUTTONS]
        ),
    ]
    if "facilitator" in roles:
        buttons += [
            Button(label=f"Agree #{a.id}", command=f"agreements agree {a.id}")
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
                buttons=(Button(label="★ Star it", command=f"agreements star {agreement.id}"),)
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


async def with_agreement(core: Core, tenant: str, place: str, prompt: Reply, day: date) -> Reply:
    """A daily prompt with one of the cohort's agreements under it, once there are any."""
    chosen = one_for(await core.agreements.agreed(tenant, place), day)
    if chosen is None:
        return prompt
    note = Context(text=f"One of our agreements: “{chosen}”")
    return prompt.model_copy(update={"blocks": (*prompt.blocks, note)})


async def agreements(core: Core, turn: Turn) -> Reply:
    """`agreements [propose TEXT | star N | unstar N | agree N | drop N | post]`."""
    args, tenant = turn.command.args, turn.team.tenant_id
    place = turn.incoming.place.address
    action = args[0] if args else ""
    if action == "propose":
        return await _propose(core, turn)
    if action == "post":
        loop.require(turn, "facilitator")
        return await _post_list(core, turn, place, "Posted and pinned the agreed list.")
    if action in ("star", "unstar", "agree", "drop"):
        return await _act(core, turn, action)
    return overview(await core.agreements.of_place(tenant, place), turn.roles)


async def _propose(core: Core, turn: Turn) -> Reply:
    form = turn.incoming.form or {}
    typed = turn.command.rest.split(maxsplit=1)
    text = form.get("text", typed[1] if len(typed) > 1 else "").strip()
    if not text:
        return Reply.saying(
            "Write it after the word, for example `agreements propose We assume good intent`."
        )
    if len(text) > MAX_AGREEMENT:
        raise CrbotError(ErrorCode.TOO_LONG)
    tenant, place = turn.team.tenant_id, turn.incoming.place.address
    proposal = await core.agreements.propose(tenant, place, text, core.clock.now())
    await turn.port.send(Target(tenant=tenant, address=place), proposal_post(proposal))
    log.info("agreement proposed", extra={"tenant": tenant, "item": proposal.id})
    return Reply.saying(f"Proposed anonymously as #{proposal.id}, and shared for stars.")


async def _act(core: Core, turn: Turn, action: str) -> Reply:
    args, tenant = turn.command.args, turn.team.tenant_id
    agreement_id = number(args[1]) if len(args) > 1 else None
    if agreement_id is None:
        return Reply.saying(
            f"Name the agreement by its number, for example `agreements {action} 2`."
        )
    found = await core.agreements.get(tenant, agreement_id)
    if found is None or found.status == "dropped":
        return Reply.saying(f"There's no agreement #{agreement_id}. Type `agreements` to see them.")
    now = core.clock.now()
    if action == "star":
        if found.status != "proposed":
            return Reply.saying(f"#{found.id} is already agreed. Thank you for backing it.")
        await core.agreements.star(tenant, found.id, turn.person, now)
        stars = (await core.agreements.get(tenant, found.id) or found).stars
        return Reply(
            summary=f"Starred #{found.id}",
            blocks=(
                Text(text=f"Starred #{found.id}: ★ {stars} so far. Only the count is shown."),
                Buttons(
                    buttons=(
                        Button(label="Take my star back", command=f"agreements unstar {found.id}"),
                    )
                ),
            ),
        )
    if action == "unstar":
        await core.agreements.unstar(tenant, found.id, turn.person)
        return Reply.saying(f"Your star on #{found.id} is taken back.")
    loop.require(turn, "facilitator")
    if action == "agree":
        await core.agreements.set_status(tenant, found.id, "agreed", now)
        return await _post_list(
            core, turn, found.place, f"Agreed #{found.id}; the list is posted and pinned."
        )
    await core.agreements.set_status(tenant, found.id, "dropped", now)
    if found.status == "agreed":
        return await _post_list(
            core, turn, found.place, f"Dropped #{found.id}; the new list is posted and pinned."
        )
    return Reply.saying(f"Dropped proposal #{found.id}.")


async def _post_list(core: Core, turn: Turn, place: str, words: str) -> Reply:
    tenant = turn.team.tenant_id
    agreed = await core.agreements.agreed(tenant, place)
    if not agreed:
        return Reply.saying("Nothing is agreed yet, so there is no list to post.")
    await turn.port.send(Target(tenant=tenant, address=place), agreed_list(agreed))
    log.info("agreements posted", extra={"tenant": tenant, "count": len(agreed)})
    return Reply.saying(words)
