"""`agreements`: section 7's culture agreements, proposed by anyone and agreed by the circle."""

from __future__ import annotations

import logging

from bot.commands import number
from bot.features import agreements as agreements_view
from bot.features.asks import checked_text
from bot.messages import Button, Buttons, Reply, Target, Text
from bot.registry import FACILITATORS, CommandSpec, Usage, by_first_word, first_word_in
from bot.services import Services
from bot.turn import Turn

log = logging.getLogger(__name__)


async def agreements(turn: Turn) -> Reply:
    """`agreements [propose TEXT | star N | unstar N | agree N | drop N | post]`."""
    services, args, tenant = turn.services, turn.command.args, turn.tenant
    place = turn.incoming.place.address
    action = args[0] if args else ""
    if action == "propose":
        return await _propose(services, turn)
    if action == "post":
        return await _post_list(services, turn, place, "Posted and pinned the agreed list.")
    if action in ("star", "unstar", "agree", "drop"):
        return await _act(services, turn, action)
    return agreements_view.overview(await services.agreements.of_place(tenant, place), turn.roles)


async def _propose(services: Services, turn: Turn) -> Reply:
    form = turn.incoming.form or {}
    typed = turn.command.rest.split(maxsplit=1)
    text = checked_text(
        form.get("text", typed[1] if len(typed) > 1 else ""),
        "agreements propose We assume good intent",
        agreements_view.MAX_AGREEMENT,
    )
    if isinstance(text, Reply):
        return text
    tenant, place = turn.team.tenant_id, turn.incoming.place.address
    proposal = await services.agreements.propose(tenant, place, text, services.clock.now())
    await turn.port.send(
        Target(tenant=tenant, address=place), agreements_view.proposal_post(proposal)
    )
    log.info("agreement proposed", extra={"tenant": tenant, "item": proposal.id})
    return Reply.saying(f"Proposed anonymously as #{proposal.number}, and shared for stars.")


async def _act(services: Services, turn: Turn, action: str) -> Reply:
    args, tenant = turn.command.args, turn.team.tenant_id
    agreement_id = number(args[1]) if len(args) > 1 else None
    if agreement_id is None:
        return Reply.saying(
            f"Name the agreement by its number, for example `agreements {action} 2`."
        )
    found = await services.agreements.get(tenant, agreement_id)
    if found is None or found.status == "dropped":
        return Reply.saying(f"There's no agreement #{agreement_id}. Type `agreements` to see them.")
    now = services.clock.now()
    if action == "star":
        if found.status != "proposed":
            return Reply.saying(f"#{found.number} is already agreed. Thank you for backing it.")
        await services.agreements.star(tenant, found.id, turn.person, now)
        stars = (await services.agreements.get(tenant, found.number) or found).stars
        return Reply(
            summary=f"Starred #{found.number}",
            blocks=(
                Text(text=f"Starred #{found.number}: ★ {stars} so far. Only the count is shown."),
                Buttons(
                    buttons=(
                        Button(
                            label="Take my star back", command=f"agreements unstar {found.number}"
                        ),
                    )
                ),
            ),
        )
    if action == "unstar":
        await services.agreements.unstar(tenant, found.id, turn.person)
        return Reply.saying(f"Your star on #{found.number} is taken back.")
    if action == "agree":
        await services.agreements.set_status(tenant, found.id, "agreed", now)
        return await _post_list(
            services, turn, found.place, f"Agreed #{found.number}; the list is posted and pinned."
        )
    await services.agreements.set_status(tenant, found.id, "dropped", now)
    if found.status == "agreed":
        return await _post_list(
            services,
            turn,
            found.place,
            f"Dropped #{found.number}; the new list is posted and pinned.",
        )
    return Reply.saying(f"Dropped proposal #{found.number}.")


async def _post_list(services: Services, turn: Turn, place: str, words: str) -> Reply:
    tenant = turn.team.tenant_id
    agreed = await services.agreements.agreed(tenant, place)
    if not agreed:
        return Reply.saying("Nothing is agreed yet, so there is no list to post.")
    await turn.port.send(Target(tenant=tenant, address=place), agreements_view.agreed_list(agreed))
    log.info("agreements posted", extra={"tenant": tenant, "count": len(agreed)})
    return Reply.saying(words)


COMMANDS = (
    CommandSpec(
        name="agreements",
        handle=agreements,
        aliases=("agreement",),
        anonymous_for=first_word_in("propose"),
        allowed_for=by_first_word(
            {"post": FACILITATORS, "agree": FACILITATORS, "drop": FACILITATORS}
        ),
        usage=(
            Usage("agreements", "our culture agreements"),
            Usage("agreements propose ...", "propose one; `agreements star N` backs one"),
            Usage(
                "agreements agree N",
                "record what the circle agreed; `agreements drop N` and `agreements post` pin "
                "the list",
                FACILITATORS,
            ),
        ),
        rank=56,
    ),
)
